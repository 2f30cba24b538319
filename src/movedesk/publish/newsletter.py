"""The newsletter: double opt-in sign-up, watch-lists, signed expiring links, and the mails themselves.

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

import base64
import datetime as dt
import email.policy
import io
import logging
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from jinja2 import Environment, PackageLoader

from movedesk.config import Settings
from movedesk.errors import DataValidationError, InvalidLink, UnknownCompany
from movedesk.models import Explanation

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
        msg = _message("Confirm your movedesk subscription", text, html, [])
        return _finish(msg, self.settings.mail_from, signup.email, f"confirm.{signup.subscriber_id}.{time.time_ns()}")


# -- edition and alert mails ---------------------------------------------------------------------------
@dataclass
class MailItem:
    """One brief as it appears in a mail: text already stripped of footnote markers."""

    slug: str
    headline: str
    lede: str
    verdict: str
    company_id: str
    max_abs_z: float
    png: bytes = b""


@dataclass
class Mailing:
    """A mail for many readers: the shared parts built once, the per-reader links added by ``render``."""

    key: str
    subject: str
    items: list[MailItem]
    intro: str
    base_url: str
    mail_from: str
    _template: bytes = b""
    _tag: str = ""
    _rendered: dict[bool, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every reader's mail is the same but for To, Date, Message-ID and the unsubscribe link: build the
        # MIME structure once (the email package is slow, above all on the base64 chart), with markers in
        # place of those values and of the two small text bodies, and fill the markers per reader.
        self._tag = secrets.token_hex(6)
        images: list[MIMEBase] = []
        encoded: dict[bytes, bytes] = {}
        for i, item in enumerate(self.items):
            if item.png:
                image = _marked_part("image", "png", self._marker(f"IMAGE{i}"))
                image.add_header("Content-ID", f"<chart-{item.slug}>")
                image.add_header("Content-Disposition", "inline", filename=f"{item.slug}.png")
                images.append(image)
                encoded[self._marker(f"IMAGE{i}").encode()] = _b64(item.png)
        alternative = MIMEMultipart("alternative")
        alternative.attach(_marked_part("text", "plain", self._marker("TEXT")))
        alternative.attach(_marked_part("text", "html", self._marker("HTML")))
        root: MIMEMultipart = alternative
        if images:
            root = MIMEMultipart("related")
            root.attach(alternative)
            for image in images:
                root.attach(image)
        root["Subject"] = Header(self.subject, "utf-8")  # type: ignore[assignment]
        root["List-Unsubscribe"] = f"<{self._marker('UNSUB')}>"
        root["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "movedesk"
        root["List-Id"] = f"movedesk briefs <briefs.{domain}>"
        name, address = parseaddr(self.mail_from)
        root["From"] = formataddr((name, address), charset="utf-8") if address else self.mail_from
        root["To"] = self._marker("TO")
        root["Date"] = self._marker("DATE")
        root["Message-ID"] = self._marker("MSGID")
        root["Auto-Submitted"] = "auto-generated"
        template = root.as_bytes(policy=_WIRE)
        for marker, value in encoded.items():
            template = template.replace(marker, value, 1)
        self._template = template

    def _marker(self, what: str) -> str:
        return f"MOVEDESK{what}{self._tag}"

    def message_id(self, subscriber_id: str) -> str:
        """Stable per (mailing, reader): a resend after a crash carries the same Message-ID."""
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "movedesk.invalid"
        return f"<{self.key}.{subscriber_id}@{domain}>"

    def _bodies(self, with_manage: bool) -> tuple[str, str]:
        """Text and HTML bodies rendered once per mailing, with markers where each reader's links go."""
        cached = self._rendered.get(with_manage)
        if cached is not None:
            return cached
        unsubscribe_url, manage_url = self._marker("UNSUBURL"), self._marker("MANAGEURL") if with_manage else ""
        text_lines = [self.intro, ""]
        for item in self.items:
            text_lines += [item.headline, "", item.lede, f"Read more: {self.base_url}/briefs/{item.slug}", ""]
        text_lines += ["--"]
        if manage_url:
            text_lines.append(f"Change your watch-list or frequency: {manage_url}")
        text_lines.append(f"Unsubscribe with one click: {unsubscribe_url}")
        html = _safe_env.get_template("mail.html.j2").render(
            intro=self.intro, items=self.items, base_url=self.base_url, unsubscribe_url=unsubscribe_url,
            manage_url=manage_url,
        )
        self._rendered[with_manage] = ("\n".join(text_lines) + "\n", html)
        return self._rendered[with_manage]

    def render(self, to: str, subscriber_id: str, unsubscribe_url: str, manage_url: str = "") -> bytes:
        """The reader's mail as wire bytes (CRLF): text + HTML alternatives, inline charts, unsubscribe headers."""
        links = unsubscribe_url + manage_url
        bad_address = any(c in to + subscriber_id for c in "\r\n<>") or not to.isascii()
        if bad_address or any(c in links for c in "\r\n<>\"'& ") or not links.isascii():
            raise DataValidationError(f"refusing to build a mail for {to!r}: not a plain ASCII address")
        text, html = self._bodies(bool(manage_url))
        unsub_marker, manage_marker = self._marker("UNSUBURL"), self._marker("MANAGEURL")
        # the URLs are URL-safe ASCII (signed tokens, quoted): the same text in plain text and HTML
        text = text.replace(unsub_marker, unsubscribe_url).replace(manage_marker, manage_url)
        html = html.replace(unsub_marker, unsubscribe_url).replace(manage_marker, manage_url)
        values = {
            "TEXT": _b64(text.encode("utf-8")),
            "HTML": _b64(html.encode("utf-8")),
            "UNSUB": unsubscribe_url.encode("ascii"),
            "TO": to.encode("ascii"),
            "DATE": formatdate(usegmt=True).encode("ascii"),
            "MSGID": self.message_id(subscriber_id).encode("ascii"),
        }
        raw = self._template
        for what, value in values.items():
            raw = raw.replace(self._marker(what).encode("ascii"), value)
        return raw


def _marked_part(maintype: str, subtype: str, marker: str) -> MIMEBase:
    part = MIMEBase(maintype, subtype)
    if maintype == "text":
        part.set_param("charset", "utf-8")
    part.set_payload(marker)
    part["Content-Transfer-Encoding"] = "base64"
    return part


def mail_png(png: bytes, colors: int = 64) -> bytes:
    """The chart re-encoded for mail: a 64-colour palette PNG, about a quarter of the size, same look."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip()


#: compat32 (handles the Header objects of the email.mime classes) with the CRLF line ends SMTP wants.
_WIRE = email.policy.compat32.clone(linesep="\r\n")
_FOOTNOTE = re.compile(r"\[\^\d+\]")


def mail_item(brief: dict[str, Any], png: bytes = b"") -> MailItem:
    """A MailItem from a stored brief payload (``brief_json`` form)."""
    expl = brief.get("explanation", {})
    zs = [abs(m["z"]) for m in expl.get("moves", []) if m.get("z") is not None]
    return MailItem(
        slug=str(brief["slug"]),
        headline=str(brief["headline"]),
        lede=_FOOTNOTE.sub("", str(brief.get("lede", ""))),
        verdict=str(expl.get("verdict", "")),
        company_id=str(expl.get("company", {}).get("id", "")),
        max_abs_z=max(zs, default=0.0),
        png=png,
    )


def explanation_of(brief: dict[str, Any]) -> Explanation:
    """The Explanation inside a stored brief payload."""
    return Explanation.from_json_dict(brief["explanation"])


def edition_mailing(edition: dict[str, Any], settings: Settings, charts: dict[str, bytes]) -> Mailing:
    """The daily edition mail from a stored edition payload (``edition_json`` form)."""
    session = dt.date.fromisoformat(str(edition["session"]))
    items = [mail_item(b, charts.get(str(b["slug"]), b"")) for b in edition.get("briefs", [])]
    intro = f"The day's movers, {session:%A %d %B %Y}: {len(items)} brief{'s' if len(items) != 1 else ''}."
    return Mailing(
        key=f"edition-{session:%Y-%m-%d}",
        subject=f"movedesk — the day's movers, {session:%A %d %B %Y}",
        items=items,
        intro=intro,
        base_url=settings.base_url.rstrip("/"),
        mail_from=settings.mail_from,
    )


def alert_mailing(brief: dict[str, Any], settings: Settings, png: bytes = b"") -> Mailing:
    """An instant alert for one watched company's significant abnormal move."""
    item = mail_item(brief, png)
    return Mailing(
        key=f"alert-{item.slug}",
        subject=f"Alert: {item.headline}",
        items=[item],
        intro=f"A company on your watch-list made a significant abnormal move (|z| = {item.max_abs_z:.1f}).",
        base_url=settings.base_url.rstrip("/"),
        mail_from=settings.mail_from,
    )


def _message(subject: str, text: str, html: str, images: Sequence[MIMEBase]) -> MIMEMultipart:
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", "utf-8"))
    alternative.attach(MIMEText(html, "html", "utf-8"))
    if images:
        root = MIMEMultipart("related")
        root.attach(alternative)
        for image in images:
            root.attach(image)
    else:
        root = alternative
    root["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
    return root


def _finish(msg: MIMEMultipart, mail_from: str, to: str, key: str | None, *, message_id: str | None = None) -> bytes:
    name, address = parseaddr(mail_from)
    msg["From"] = formataddr((name, address), charset="utf-8") if address else mail_from
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    if message_id is None:
        domain = address.rpartition("@")[2] or "movedesk.invalid"
        message_id = f"<{key}@{domain}>"
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    return msg.as_bytes(policy=_WIRE)


__all__ = [
    "CONFIRM_MAX_AGE",
    "FREQUENCIES",
    "UNSUBSCRIBE_MAX_AGE",
    "MailItem",
    "Mailing",
    "Newsletter",
    "SignUp",
    "Tokens",
    "alert_mailing",
    "edition_mailing",
    "explanation_of",
    "mail_item",
    "validate_email",
]
