"""movedesk.providers.prices"""
