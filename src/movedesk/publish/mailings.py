"""The mails: an edition or an instant alert rendered once as text and HTML with inline charts, then
addressed per reader with the List-Unsubscribe headers of RFC 8058 (one-click)."""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import io
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader

from movedesk.config import Settings
from movedesk.errors import DataValidationError
from movedesk.models import Explanation

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

_safe_env = Environment(loader=PackageLoader("movedesk.publish", "templates"), autoescape=True)


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
    # a market's edition (hk, us…) is its own mailing: the send log keys on the edition's slug
    movers = f"{edition.get('scope_label') or edition['scope']} movers" if edition.get("scope") else "the day's movers"
    count = f"{len(items)} brief{'s' if len(items) != 1 else ''}"
    intro = f"{movers[:1].upper()}{movers[1:]}, {session:%A %d %B %Y}: {count}."
    return Mailing(
        key=str(edition.get("slug") or f"edition-{session:%Y-%m-%d}"),
        subject=f"movedesk — {movers}, {session:%A %d %B %Y}",
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


def build_message(subject: str, text: str, html: str, images: Sequence[MIMEBase]) -> MIMEMultipart:
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


def finish_message(
    msg: MIMEMultipart, mail_from: str, to: str, key: str | None, *, message_id: str | None = None
) -> bytes:
    """Address a built message to one reader and serialise it for the wire."""
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


__all__ = ["MailItem", "Mailing", "alert_mailing", "edition_mailing", "explanation_of", "mail_item", "mail_png"]
