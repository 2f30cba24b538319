"""movedesk.publish"""
