"""movedesk.extract"""
