"""movedesk.web: the FastAPI app (pages, JSON API, newsletter sign-up); needs the [web] extra."""

from movedesk.web.app import create_app

__all__ = ["create_app"]
