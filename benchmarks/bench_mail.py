"""Send the demo edition to 10,000 subscribers through a local aiosmtpd server: mails/s, no duplicates.

    python benchmarks/bench_mail.py [--readers 10000] [--connections 4] [--baseline-readers 500]

The SMTP server runs in its own process (loopback, a free port) and appends one line per accepted
recipient to a log, which is read back to verify that every reader got the edition exactly once.

Baseline, same run: the obvious sender (one SMTP connection per mail, a fresh EmailMessage, one
autocommitted send-log row per mail) over the first ``--baseline-readers`` readers of another mailing.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from email.message import EmailMessage
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import sys, time
    from aiosmtpd.controller import Controller

    log = open(sys.argv[2], "a", buffering=1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mid = b""
            for line in envelope.content.split(b"\\r\\n", 40):
                if line.lower().startswith(b"message-id:"):
                    mid = line.split(b":", 1)[1].strip()
                    break
            for rcpt in envelope.rcpt_tos:
                log.write(f"{rcpt} {mid.decode()}\\n")
            return "250 OK"

    c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
    c.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    c.stop()
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def baseline(db: str, port: int, readers: list[tuple[str, str]], png: bytes) -> float:
    """One connection, one message object and one committed log row per mail."""
    import duckdb

    con = duckdb.connect(db)
    started = time.perf_counter()
    for sid, address in readers:
        msg = EmailMessage()
        msg["Subject"] = "movedesk — baseline"
        msg["From"] = "briefs@movedesk.test"
        msg["To"] = address
        msg.set_content("The day's movers.")
        msg.add_alternative("<p>The day's movers.</p>", subtype="html")
        msg.add_attachment(png, maintype="image", subtype="png", filename="chart.png")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(msg)
        con.execute(
            "INSERT INTO send_log VALUES ('baseline', ?, 'sent', 1, '', now(), NULL) ON CONFLICT DO NOTHING", [sid]
        )
    seconds = time.perf_counter() - started
    con.close()
    return len(readers) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--baseline-readers", type=int, default=500)
    args = parser.parse_args()

    from movedesk.config import Settings
    from movedesk.demo import run_demo
    from movedesk.desk import Desk
    from movedesk.jobs.daily import charts, send_edition, store_edition
    from movedesk.publish.edition import Edition
    from movedesk.publish.mailer import SmtpMailer

    tmp = Path(tempfile.mkdtemp(prefix="movedesk-bench-mail-"))
    db = str(tmp / "bench.duckdb")
    run_demo(tmp / "demo", db=db)
    port = free_port()
    received = tmp / "received.log"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(received)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    settings = Settings(db=db, secret_key="bench", smtp_host="127.0.0.1", smtp_port=port,
                        mail_from="movedesk <briefs@movedesk.test>", base_url="http://127.0.0.1:8000")
    try:
        with Desk.open(db, settings) as desk:
            from movedesk.explain.explain import explain
            from movedesk.publish.writer import build_brief

            brief = build_brief(desk, explain(desk, "SMIC", dt.date(2024, 12, 23)))[0]
            store_edition(desk, Edition(session=dt.date(2024, 12, 23), briefs=[brief], market=[]))
            rows = [(f"r{i:06d}", f"reader{i:06d}@example.com", "active", "daily") for i in range(args.readers)]
            desk.store.add_subscribers(rows)
            payload = desk.store.edition()
            assert payload is not None
            png = next(iter(charts(desk, payload["briefs"]).values()))

            started = time.perf_counter()
            report = send_edition(desk, SmtpMailer(settings), connections=args.connections)
            ours_seconds = time.perf_counter() - started
        ours_rate = report.sent / ours_seconds
        # give the server a moment to flush its log, then check for duplicates
        time.sleep(0.5)
        lines = received.read_text(encoding="utf-8").splitlines()
        per_reader = collections.Counter(line.split()[0] for line in lines)
        duplicates = sum(1 for c in per_reader.values() if c > 1)
        missing = args.readers - len(per_reader)
        received.write_text("", encoding="utf-8")

        base_rate = baseline(db, port, [(r[0], r[1]) for r in rows[: args.baseline_readers]], png)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)

    print(f"edition to {args.readers:,} readers over {args.connections} SMTP connections (loopback aiosmtpd)")
    print(f"  ours     : {report.sent:,} sent in {ours_seconds:.1f} s (incl. chart and send-log) = "
          f"{ours_rate:,.0f} mails/s; failed {len(report.failed)}, duplicates {duplicates}, missing {missing}")
    print(f"  baseline : connection + EmailMessage + committed row per mail = {base_rate:,.0f} mails/s "
          f"(first {args.baseline_readers:,} readers)")
    verdict = "met" if ours_rate >= 200 else "MISSED"
    print(f"  ratio    : {ours_rate / base_rate:.1f}x   target >= 200 mails/s: {verdict}")
    print(f"  mail size: {len(payload['briefs'])} brief(s), chart {len(png) / 1024:.0f} KiB; "
          f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
