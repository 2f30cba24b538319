"""movedesk.testing"""
