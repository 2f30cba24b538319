"""movedesk.detect"""
