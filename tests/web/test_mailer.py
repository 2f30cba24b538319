"""SMTP delivery against the test SMTP server: retries on temporary refusals, permanent refusals logged
and retried by the next run, the send log, and a server that is down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.errors import ProviderError
from movedesk.jobs.daily import send_edition
from movedesk.publish.mailer import SmtpMailer

from .builders import add_subscribers, build_store
from .conftest import Inbox, free_port

MAILING = "edition-2024-12-23"


@pytest.fixture
def store_with_readers(settings_for: Callable[[int], Settings]) -> tuple[Settings, list[str]]:
    settings = settings_for(8000)
    build_store(settings.db, settings)
    return settings, add_subscribers(settings.db, settings, 6)


def test_temporary_refusal_is_retried(store_with_readers: tuple[Settings, list[str]], smtp: Inbox) -> None:
    settings, emails = store_with_readers
    smtp.before_accept = lambda n, _: "451 4.3.0 try again later" if n in (2, 3) else None
    with Desk.open(settings.db, settings) as desk:
        report = send_edition(desk, SmtpMailer(settings, retries=3, backoff=0.01), connections=1)
        log = desk.store.send_log(MAILING)
    assert report.sent == len(emails) and report.failed == []
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == sorted(emails)
    assert {r["status"] for r in log} == {"sent"}
    ids = [m["Message-ID"] for m in smtp.parsed()]
    assert len(set(ids)) == len(emails)


def test_permanent_refusal_is_logged_and_retried_next_run(
    store_with_readers: tuple[Settings, list[str]], smtp: Inbox
) -> None:
    settings, emails = store_with_readers
    smtp.before_accept = lambda n, _: "550 5.1.1 mailbox unavailable" if n == 4 else None
    with Desk.open(settings.db, settings) as desk:
        first = send_edition(desk, SmtpMailer(settings, retries=3, backoff=0.01), connections=1)
        failed = [r for r in desk.store.send_log(MAILING) if r["status"] == "failed"]
        assert first.sent == len(emails) - 1 and len(first.failed) == 1
        assert len(failed) == 1 and "refused" in failed[0]["error"]
        smtp.before_accept = None
        second = send_edition(desk, SmtpMailer(settings, retries=1), connections=1)
        assert (second.sent, second.already_sent) == (1, len(emails) - 1)
        assert {r["status"] for r in desk.store.send_log(MAILING)} == {"sent"}
    assert sorted(r for rcpts, _ in smtp.messages for r in rcpts) == sorted(emails)


def test_server_down_raises_provider_error(settings_for: Callable[[int], Settings]) -> None:
    settings = settings_for(8000).model_copy(update={"smtp_port": free_port()})
    mailer = SmtpMailer(settings, retries=2, backoff=0.01, timeout=2)
    with pytest.raises(ProviderError, match="after 2 attempts"):
        mailer.send_one("a@example.com", b"Subject: x\r\n\r\nbody\r\n")


def test_signup_when_smtp_is_down_says_so(settings_for: Callable[[int], Settings]) -> None:
    import re

    from fastapi.testclient import TestClient

    from movedesk.web.app import create_app

    settings = settings_for(8000).model_copy(update={"smtp_port": free_port()})
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        page = client.get("/subscribe").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post("/subscribe", data={"email": "a@example.com", "csrf": token})
    assert r.status_code == 503 and "could not send the confirmation mail" in r.text


def test_smtp_auth_from_settings(settings_for: Callable[[int], Settings]) -> None:
    """MOVEDESK_SMTP_USER/PASSWORD log in (AUTH PLAIN/LOGIN); a wrong password is a ProviderError."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    seen: list[str] = []

    def authenticator(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"desk", b"s3cret")
        if ok:
            seen.append(mechanism)
        return AuthResult(success=ok)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        good = settings_for(8000).model_copy(update={"smtp_port": port, "smtp_user": "desk", "smtp_password": "s3cret"})
        SmtpMailer(good, retries=1).send_one("a@example.com", b"Subject: x\r\n\r\nbody\r\n")
        assert seen and inbox.wait_for(1)[0]["Subject"] == "x"
        bad = good.model_copy(update={"smtp_password": "wrong"})
        with pytest.raises(ProviderError):
            SmtpMailer(bad, retries=1, timeout=2).send_one("a@example.com", b"Subject: y\r\n\r\nbody\r\n")
        unauthenticated = good.model_copy(update={"smtp_user": ""})
        with pytest.raises(ProviderError):
            SmtpMailer(unauthenticated, retries=1).send_one("a@example.com", b"Subject: z\r\n\r\nbody\r\n")
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_starttls_verifies_the_server(
    settings_for: Callable[[int], Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MOVEDESK_SMTP_TLS=true: STARTTLS with certificate verification (a self-signed cert for 127.0.0.1,
    trusted through SSL_CERT_FILE); an untrusted certificate is refused."""
    import shutil
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    try:
        settings = settings_for(8000).model_copy(update={"smtp_port": port, "smtp_tls": True})
        with pytest.raises(ProviderError):  # the system trust store does not know our certificate
            SmtpMailer(settings, retries=1, timeout=5).send_one("a@example.com", b"Subject: x\r\n\r\nbody\r\n")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        SmtpMailer(settings, retries=1, timeout=5).send_one("a@example.com", b"Subject: tls\r\n\r\nbody\r\n")
        assert [m["Subject"] for m in inbox.wait_for(1)] == ["tls"]
        plain = settings.model_copy(update={"smtp_tls": False})
        with pytest.raises(ProviderError):  # the server requires STARTTLS
            SmtpMailer(plain, retries=1, timeout=5).send_one("a@example.com", b"Subject: plain\r\n\r\nbody\r\n")
    finally:
        controller.stop()
