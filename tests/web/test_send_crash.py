"""Kill the sender (SIGKILL) in the middle of an edition, rerun it: every reader gets the edition exactly once.

The sender runs in a subprocess against a real DuckDB store and the test's SMTP server. When the server
receives mail number ``KILL_AT`` it lets the sender journal the mails already acknowledged, kills it and
waits until it is dead before answering, so that mail is never acknowledged and must be resent by the
rerun. With several
connections, mails on the dead sender's connections whose DATA completes after its death are refused too:
their ``250`` could never reach the sender, which is what a dropped connection means to it.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import pytest

from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.jobs.daily import send_edition
from movedesk.publish.mailer import SmtpMailer, journal_path

from .builders import add_subscribers, build_store
from .conftest import Inbox

READERS = 150
KILL_AT = 61

SENDER = textwrap.dedent(
    """
    import sys
    from movedesk.config import Settings
    from movedesk.desk import Desk
    from movedesk.jobs.daily import send_edition
    from movedesk.publish.mailer import SmtpMailer

    db, port, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = Settings(db=db, secret_key="crash-test-key", smtp_host="127.0.0.1", smtp_port=port,
                 mail_from="movedesk <briefs@movedesk.test>")
    with Desk.open(db, s) as desk:
        r = send_edition(desk, SmtpMailer(s, retries=1, backoff=0), connections=connections)
    print(r.sent, r.already_sent, len(r.failed))
    """
)


def _sender(db: str, port: int, connections: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SENDER, db, str(port), str(connections)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


@pytest.mark.slow
@pytest.mark.parametrize("connections", [1, 4])
def test_kill_mid_edition_then_rerun_delivers_each_mail_once(
    settings_for: Callable[[int], Settings], smtp: Inbox, connections: int
) -> None:
    settings = settings_for(8000)
    build_store(settings.db, settings)
    emails = add_subscribers(settings.db, settings, READERS)

    with Desk.open(settings.db, settings) as desk:  # beside a DuckDB file; this machine's state dir for PostgreSQL
        journal = journal_path(desk.store)
    assert journal is not None
    first = _sender(settings.db, smtp.port, connections)
    dead = {"flag": False}
    first_peers: set[tuple[str, int]] = set()

    def before_accept(n: int, peer: tuple[str, int]) -> str | None:
        if dead["flag"] and peer in first_peers:
            return "451 sender is gone"
        if not dead["flag"]:
            first_peers.add(peer)
        if n == KILL_AT:
            # crash point: mail KILL_AT is in flight and every earlier acknowledged mail has been journalled
            # (the sender journals right after each 250; the instant between the two is the one window SMTP
            # cannot close, which stable Message-IDs leave to receivers to de-duplicate)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                lines = journal.read_text().count("\n") if journal.exists() else 0
                if lines >= len(smtp.messages):
                    break
                time.sleep(0.005)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            dead["flag"] = True
            return "451 sender is gone"
        return None

    smtp.before_accept = before_accept
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == -signal.SIGKILL, first_err[-2000:]
    delivered_before = len(smtp.messages)
    assert 0 < delivered_before < READERS
    assert journal.exists()  # the crashed run left its journal of acknowledged mails

    second = _sender(settings.db, smtp.port, connections)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err[-2000:]
    sent, already, failed = (int(x) for x in out.split())
    assert (sent, already, failed) == (READERS - delivered_before, delivered_before, 0)

    counts = collections.Counter(rcpt for rcpts, _ in smtp.messages for rcpt in rcpts)
    assert set(counts) == set(emails)
    assert max(counts.values()) == 1, [e for e, c in counts.items() if c > 1][:5]
    assert not journal.exists()  # folded into the send log and removed
    with Desk.open(settings.db, settings) as desk:
        log = desk.store.send_log("edition-2024-12-23")
        assert len(log) == READERS and {r["status"] for r in log} == {"sent"}
        again = send_edition(desk, SmtpMailer(settings), connections=connections)  # a third run sends nothing
    assert (again.sent, again.already_sent) == (0, READERS)
    assert len(smtp.messages) == READERS
