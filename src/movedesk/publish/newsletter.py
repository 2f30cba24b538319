"""The newsletter's readers: double opt-in sign-up, watch-lists and signed expiring links (the mails
themselves are :mod:`movedesk.publish.mailings`).

Links carry itsdangerous-signed tokens (salted per purpose, time-stamped): a forged, tampered or
expired token raises :class:`~movedesk.errors.InvalidLink` and changes nothing. A confirmation
token is also single-use (its ``jti`` is recorded in the store). The watch-list and frequency chosen at
sign-up travel inside the confirmation token, so nobody can change another reader's settings without
access to their inbox.

>>> from movedesk.config import Settings
>>> tokens = Tokens("secret")
>>> tokens.loads("unsubscribe", tokens.dumps("unsubscribe", {"s": "abc"}), max_age=60)["s"]
'abc'
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from jinja2 import Environment, PackageLoader

from movedesk.config import Settings
from movedesk.errors import DataValidationError, InvalidLink, UnknownCompany
from movedesk.publish.mailings import build_message, finish_message

if TYPE_CHECKING:
    from movedesk.registry import Registry
    from movedesk.store.base import NewsletterStore

log = logging.getLogger(__name__)

Frequency = Literal["daily", "instant", "both"]
FREQUENCIES: tuple[str, ...] = ("daily", "instant", "both")
#: Confirmation links expire after two days; unsubscribe links after 180 days.
CONFIRM_MAX_AGE = 2 * 24 * 3600
UNSUBSCRIBE_MAX_AGE = 180 * 24 * 3600
MAX_WATCHLIST = 50

_safe_env = Environment(loader=PackageLoader("movedesk.publish", "templates"), autoescape=True)


# -- tokens --------------------------------------------------------------------------------------------
class Tokens:
    """Signed, time-stamped, purpose-salted tokens for links in mails."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise DataValidationError(
                "no secret key to sign links with", hint="set MOVEDESK_SECRET_KEY to a long random string"
            )
        self.secret = secret

    def _serializer(self, purpose: str, issued_at: int | None = None) -> URLSafeTimedSerializer:
        if issued_at is None:
            return URLSafeTimedSerializer(self.secret, salt=f"movedesk-{purpose}")

        fixed = int(issued_at)

        class _At(TimestampSigner):
            def get_timestamp(self) -> int:
                return fixed

        return URLSafeTimedSerializer(self.secret, salt=f"movedesk-{purpose}", signer=_At)

    def dumps(self, purpose: str, payload: dict[str, Any], *, issued_at: int | None = None) -> str:
        """A URL-safe token; ``issued_at`` (Unix seconds) back-dates it, for tests of expiry."""
        return str(self._serializer(purpose, issued_at).dumps(payload))

    def loads(self, purpose: str, token: str, *, max_age: int) -> dict[str, Any]:
        """The payload, or InvalidLink when the token is forged, tampered with or expired."""
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise InvalidLink(
                f"this {purpose} link has expired", hint="sign up again to get a fresh link"
            ) from exc
        except BadSignature as exc:
            raise InvalidLink(
                f"this {purpose} link is not valid (forged or damaged)", hint="use the link from the e-mail as sent"
            ) from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("s"), str):
            raise InvalidLink(f"this {purpose} link is not valid")
        return payload


# -- sign-up -------------------------------------------------------------------------------------------
def validate_email(address: str) -> str:
    """The normalised address (lower-cased), or DataValidationError naming what is wrong."""
    from email_validator import EmailNotValidError
    from email_validator import validate_email as check

    text = (address or "").strip()
    if len(text) > 254:
        raise DataValidationError("that e-mail address is too long", hint="use an address under 254 characters")
    try:
        result = check(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise DataValidationError(f"not a valid e-mail address: {exc}", hint="e.g. reader@example.com") from exc
    return str(result.normalized).lower()


@dataclass
class SignUp:
    subscriber_id: str
    email: str
    confirm_url: str
    watchlist: list[str]
    frequency: str


class Newsletter:
    """Sign-up, confirmation and unsubscribe over the store; mail building for editions and alerts."""

    def __init__(self, store: NewsletterStore, settings: Settings, registry: Registry) -> None:
        self.store = store
        self.settings = settings
        self.registry = registry
        self.tokens = Tokens(settings.secret_key)
        self.base_url = settings.base_url.rstrip("/")

    def resolve_watchlist(self, names: Iterable[str]) -> list[str]:
        """Company ids for names/tickers (English or Chinese); UnknownCompany names the first miss."""
        ids: list[str] = []
        for name in names:
            name = name.strip()
            if not name:
                continue
            try:
                company = self.registry.lookup(name)
            except UnknownCompany:
                hits = self.registry.search(name, limit=1)
                if not hits:
                    raise
                company = hits[0]
            if company.id not in ids:
                ids.append(company.id)
        if len(ids) > MAX_WATCHLIST:
            raise DataValidationError(f"a watch-list holds at most {MAX_WATCHLIST} companies, got {len(ids)}")
        return ids

    def sign_up(self, email: str, *, watch: Sequence[str] = (), frequency: str = "daily") -> SignUp:
        """Record a pending subscriber and return the confirmation link to mail them."""
        address = validate_email(email)
        if frequency not in FREQUENCIES:
            raise DataValidationError(f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
        watchlist = self.resolve_watchlist(watch)
        subscriber_id = self.store.upsert_subscriber(
            subscriber_id=secrets.token_hex(8), email=address, frequency=frequency
        )
        jti = secrets.token_urlsafe(12)
        self.store.put_token(jti, subscriber_id, "confirm")
        token = self.tokens.dumps("confirm", {"s": subscriber_id, "j": jti, "w": watchlist, "f": frequency})
        return SignUp(subscriber_id, address, f"{self.base_url}/confirm?token={quote(token)}", watchlist, frequency)

    def check_confirm(self, token: str) -> dict[str, Any]:
        """The subscriber a confirmation token names (raises on a forged, tampered or expired token);
        changes nothing, so a link scanner that opens the link confirms nobody."""
        payload = self.tokens.loads("confirm", token, max_age=CONFIRM_MAX_AGE)
        sub = self.store.subscriber(payload["s"])
        if sub is None:
            raise InvalidLink("this confirmation link names no subscriber", hint="sign up again")
        return sub

    def confirm(self, token: str) -> dict[str, Any]:
        """Activate the subscriber with the watch-list/frequency from the token (single use)."""
        payload = self.tokens.loads("confirm", token, max_age=CONFIRM_MAX_AGE)
        sub = self.store.subscriber(payload["s"])
        if sub is None or not self.store.use_token(str(payload.get("j")), payload["s"], "confirm"):
            raise InvalidLink("this confirmation link was already used or is not valid", hint="sign up again")
        watch = [str(c) for c in payload.get("w", []) if isinstance(c, str)]
        frequency = payload.get("f") if payload.get("f") in FREQUENCIES else sub["frequency"]
        self.store.set_subscriber(sub["id"], status="active", frequency=frequency, watchlist=watch)
        return self.store.subscriber(sub["id"]) or sub

    def check_unsubscribe(self, token: str) -> dict[str, Any]:
        """The subscriber an unsubscribe token names (raises on a bad token); changes nothing."""
        payload = self.tokens.loads("unsubscribe", token, max_age=UNSUBSCRIBE_MAX_AGE)
        sub = self.store.subscriber(payload["s"])
        if sub is None:
            raise InvalidLink("this unsubscribe link names no subscriber")
        return sub

    def unsubscribe(self, token: str) -> dict[str, Any]:
        """Unsubscribe the token's subscriber (idempotent)."""
        sub = self.check_unsubscribe(token)
        if sub["status"] != "unsubscribed":
            self.store.set_subscriber(sub["id"], status="unsubscribed")
        return self.store.subscriber(sub["id"]) or sub

    def unsubscribe_url(self, subscriber_id: str, *, issued_at: int | None = None) -> str:
        token = self.tokens.dumps("unsubscribe", {"s": subscriber_id}, issued_at=issued_at)
        return f"{self.base_url}/unsubscribe?token={quote(token)}"

    def manage_url(self, subscriber_id: str, *, issued_at: int | None = None) -> str:
        """A signed, expiring link to the reader's settings page (watch-list and frequency)."""
        token = self.tokens.dumps("manage", {"s": subscriber_id}, issued_at=issued_at)
        return f"{self.base_url}/manage?token={quote(token)}"

    def check_manage(self, token: str) -> dict[str, Any]:
        """The subscriber a settings link names (raises on a forged, tampered or expired token)."""
        payload = self.tokens.loads("manage", token, max_age=UNSUBSCRIBE_MAX_AGE)
        sub = self.store.subscriber(payload["s"])
        if sub is None:
            raise InvalidLink("this settings link names no subscriber")
        return sub

    def update(self, token: str, *, watch: Sequence[str], frequency: str) -> dict[str, Any]:
        """Replace the reader's watch-list and frequency (the status is left as it is)."""
        sub = self.check_manage(token)
        if frequency not in FREQUENCIES:
            raise DataValidationError(f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
        watchlist = self.resolve_watchlist(watch)
        self.store.set_subscriber(sub["id"], status=sub["status"], frequency=frequency, watchlist=watchlist)
        return self.store.subscriber(sub["id"]) or sub

    # -- audiences -------------------------------------------------------------------------------------
    def edition_audience(self) -> list[dict[str, Any]]:
        return self.store.subscribers(frequencies=("daily", "both"))

    def alert_audience(self, company_id: str) -> list[dict[str, Any]]:
        return self.store.subscribers(frequencies=("instant", "both"), watching=company_id)

    # -- mails -----------------------------------------------------------------------------------------
    def confirmation_mail(self, signup: SignUp) -> bytes:
        watching = ", ".join(signup.watchlist) or "none yet"
        text = (
            "Please confirm your movedesk subscription by opening this link (valid for two days):\n\n"
            f"{signup.confirm_url}\n\nFrequency: {signup.frequency}. Watch-list: {watching}.\n\n"
            "If you did not sign up, ignore this mail: nothing will be sent to you.\n"
        )
        html = _safe_env.from_string(
            "<p>Please confirm your movedesk subscription (the link is valid for two days):</p>"
            '<p><a href="{{ url }}">Confirm my subscription</a></p>'
            "<p>Frequency: {{ freq }}. Watch-list: {{ watching }}.</p>"
            "<p>If you did not sign up, ignore this mail: nothing will be sent to you.</p>"
        ).render(url=signup.confirm_url, freq=signup.frequency, watching=watching)
        msg = build_message("Confirm your movedesk subscription", text, html, [])
        key = f"confirm.{signup.subscriber_id}.{time.time_ns()}"
        return finish_message(msg, self.settings.mail_from, signup.email, key)


__all__ = ["CONFIRM_MAX_AGE", "FREQUENCIES", "UNSUBSCRIBE_MAX_AGE", "Newsletter", "SignUp", "Tokens", "validate_email"]
