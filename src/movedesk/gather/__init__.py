"""movedesk.gather"""
