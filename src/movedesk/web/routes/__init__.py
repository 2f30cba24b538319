"""Routers: pages (HTML), subscribe (sign-up flow) and api (JSON under /api/v1)."""
