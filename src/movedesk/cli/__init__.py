"""movedesk.cli"""
