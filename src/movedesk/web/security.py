"""CSRF for forms (double submit: a random cookie and its signed copy in the form)."""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from movedesk.config import Settings

CSRF_COOKIE = "movedesk_csrf"


def _signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="movedesk-csrf")


def csrf_pair(request: Request, settings: Settings) -> tuple[str, str]:
    """(cookie value, form value): the cookie is reused when the browser already has a valid one."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (16 <= len(cookie) <= 64 and cookie.replace("-", "").replace("_", "").isalnum()):
        cookie = secrets.token_urlsafe(24)
    return cookie, str(_signer(settings).dumps(cookie))


def set_csrf_cookie(response: Response, cookie: str, settings: Settings) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.base_url.startswith("https://"),
        path="/",
        max_age=7 * 24 * 3600,
    )


def csrf_ok(request: Request, form_value: str, settings: Settings) -> bool:
    """True when the form's token is our signature of the request's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not form_value:
        return False
    try:
        signed = _signer(settings).loads(form_value)
    except BadSignature:
        return False
    return secrets.compare_digest(str(signed), cookie)
