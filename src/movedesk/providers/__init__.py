"""movedesk.providers"""
