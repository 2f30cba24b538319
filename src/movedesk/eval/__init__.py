"""movedesk.eval"""
