"""movedesk.providers.news"""
