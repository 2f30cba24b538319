"""SMTP delivery with retries and a crash-safe send log: no reader gets the same mailing twice.

How "exactly once" holds across a crash (``kill -9`` mid-edition):

1. Before sending, the readers already in the store's ``send_log`` as *sent* for this mailing are skipped.
2. Each mail is sent on a persistent SMTP connection; only after the server accepts it (``250``) is one
   line appended to a journal file beside the store (``<db>.sendlog``) with a single unbuffered
   ``write()``: once that returns, the line survives the death of the process.
3. The journal is folded into ``send_log`` in batches and once more at the start of every run, then
   removed when the mailing is complete.

The only window left is between the server's ``250`` and the journal write (microseconds); a mail
resent from that window carries the same ``Message-ID``, so receiving systems can drop it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

from movedesk.config import Settings, is_server_url
from movedesk.errors import ProviderError


class SendLogStore(Protocol):
    """The newsletter tables of a store, and where it lives on disk (None for a database server): the
    journal of sends in flight is kept beside a store file, or in this machine's state folder for a server."""

    url: str
    path: Path | None

    def log_sends(self, rows: Sequence[tuple[str, str, str, int, str, str | None]]) -> None: ...

    def sent_to(self, mailing: str) -> set[str]: ...


log = logging.getLogger(__name__)

#: A mail builder: (recipient row) -> (to address, message bytes, message id).
Builder = Callable[[dict[str, Any]], tuple[str, bytes, str]]

_TRANSIENT: tuple[type[BaseException], ...] = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    ConnectionError,
    socket.timeout,
    OSError,
)


class SmtpMailer:
    """Sends mails over SMTP using host, port, STARTTLS and credentials from Settings."""

    def __init__(self, settings: Settings, *, retries: int = 3, backoff: float = 0.5, timeout: float = 30.0) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.envelope_from = parseaddr(settings.mail_from)[1] or "briefs@localhost"

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
            if s.smtp_tls:
                conn.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                conn.login(s.smtp_user, s.smtp_password)
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(
                f"cannot connect to the SMTP server {s.smtp_host}:{s.smtp_port}: {exc}",
                hint="check MOVEDESK_SMTP_HOST/PORT/TLS/USER/PASSWORD",
            ) from exc
        return conn

    def send(self, to: str, message: bytes, conn: smtplib.SMTP | None = None) -> smtplib.SMTP | None:
        """Send one mail, reconnecting and retrying on transient failures; returns the live connection.

        Raises ProviderError when every attempt failed, or at once when the server refuses the mail
        permanently (5xx).
        """
        last: BaseException | None = None
        for attempt in range(self.retries):
            try:
                if conn is None:
                    conn = self.connect()
                conn.sendmail(self.envelope_from, [to], message)
                return conn
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [c for c, _ in exc.recipients.values()]
                if all(c >= 500 for c in codes):
                    raise ProviderError(f"the SMTP server refused {to}: {codes}") from exc
                last = exc
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    raise ProviderError(f"the SMTP server refused the mail to {to}: {exc.smtp_code}") from exc
                last = exc
            except ProviderError as exc:
                last = exc
            except _TRANSIENT as exc:
                last = exc
            _close(conn)
            conn = None
            if attempt + 1 < self.retries:
                time.sleep(self.backoff * (2**attempt))
        raise ProviderError(f"could not deliver a mail to {to} after {self.retries} attempts: {last}") from last

    def send_one(self, to: str, message: bytes) -> None:
        """Send one mail on its own connection (sign-up confirmations)."""
        _close(self.send(to, message))


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        with contextlib.suppress(OSError):
            conn.close()


@dataclass
class DeliveryReport:
    mailing: str
    audience: int = 0
    already_sent: int = 0
    sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


class Journal:
    """Append-only lines of (mailing, subscriber, status, attempts, message_id, error) beside the store."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def open(self) -> None:
        if self.path is not None and self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, row: tuple[str, str, str, int, str, str | None]) -> None:
        if self._fd is None:
            return
        line = (json.dumps(row, ensure_ascii=True) + "\n").encode()
        with self._lock:
            os.write(self._fd, line)  # one syscall: survives the process being killed right after

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def rows(self) -> list[tuple[str, str, str, int, str, str | None]]:
        if self.path is None or not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                m, s, status, attempts, mid, err = json.loads(line)
            except (ValueError, TypeError):
                continue  # a torn last line from a crash: that mail was not journalled as sent
            out.append((str(m), str(s), str(status), int(attempts), str(mid), err))
        return out

    def remove(self) -> None:
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def journal_path(store: SendLogStore) -> Path | None:
    """Beside a store file; for a PostgreSQL store, in the state folder of the machine that sends (a crashed
    send is rerun where it ran); None for an in-memory store."""
    if store.path is not None:
        return Path(f"{store.path}.sendlog")
    if is_server_url(store.url):
        import hashlib

        import platformdirs

        folder = Path(platformdirs.user_state_dir("movedesk"))
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"sendlog-{hashlib.sha256(store.url.encode()).hexdigest()[:16]}"
    return None


def recover(store: SendLogStore) -> int:
    """Fold a journal left by a crashed run into the send log; returns the rows folded."""
    journal = Journal(journal_path(store))
    rows = journal.rows()
    if rows:
        log.warning("folding %d journalled sends from an interrupted run into the send log", len(rows))
        store.log_sends(rows)
    journal.remove()
    return len(rows)


def deliver(
    store: SendLogStore,
    mailer: SmtpMailer,
    mailing: str,
    audience: Sequence[dict[str, Any]],
    build: Builder,
    *,
    connections: int = 4,
    batch: int = 500,
    on_sent: Callable[[int], None] | None = None,
) -> DeliveryReport:
    """Send ``mailing`` to every reader in ``audience`` not yet logged as sent; safe to rerun after a crash.

    ``audience`` rows need an ``id``; ``build(row)`` returns (to, message bytes, message id).
    """
    started = time.perf_counter()
    recover(store)
    done = store.sent_to(mailing)
    todo = [r for r in audience if r["id"] not in done]
    report = DeliveryReport(mailing, audience=len(audience), already_sent=len(audience) - len(todo))
    if not todo:
        return report
    journal = Journal(journal_path(store))
    journal.open()
    work: queue.Queue[dict[str, Any] | None] = queue.Queue()
    for row in todo:
        work.put(row)
    results: queue.Queue[tuple[str, str, str, int, str, str | None] | None] = queue.Queue()
    n_workers = max(1, min(connections, len(todo)))

    def worker() -> None:
        conn: smtplib.SMTP | None = None
        try:
            while True:
                row = work.get()
                if row is None:
                    return
                try:
                    to, message, message_id = build(row)
                except Exception as exc:  # a mail that cannot be built must not stop the others
                    results.put((mailing, row["id"], "failed", 1, "", f"build: {exc}"))
                    continue
                try:
                    conn = mailer.send(to, message, conn)
                except ProviderError as exc:
                    conn = None
                    results.put((mailing, row["id"], "failed", mailer.retries, message_id, exc.message))
                    continue
                entry = (mailing, str(row["id"]), "sent", 1, message_id, None)
                journal.append(entry)
                results.put(entry)
        finally:
            _close(conn)
            results.put(None)

    threads = [threading.Thread(target=worker, name=f"movedesk-smtp-{i}", daemon=True) for i in range(n_workers)]
    for _ in threads:
        work.put(None)
    for t in threads:
        t.start()
    pending: list[tuple[str, str, str, int, str, str | None]] = []
    finished = 0
    try:
        while finished < n_workers:
            item = results.get()
            if item is None:
                finished += 1
                continue
            pending.append(item)
            if item[2] == "sent":
                report.sent += 1
                if on_sent is not None:
                    on_sent(report.sent)
            else:
                report.failed.append((item[1], item[5] or ""))
            if len(pending) >= batch:
                store.log_sends(pending)
                pending = []
        store.log_sends(pending)
    finally:
        for t in threads:
            t.join(timeout=60)
        journal.close()
    journal.remove()  # every journalled row is now in the send log
    report.seconds = time.perf_counter() - started
    log.info("mailing %s: %d sent, %d failed, %d already sent", mailing, report.sent, len(report.failed),
             report.already_sent)
    return report
