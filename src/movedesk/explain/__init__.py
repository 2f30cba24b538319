"""movedesk.explain"""
