"""``movedesk doctor`` on a recorded set-up: a store with bars and news, one news source on a loopback server
(a feed whose newest item is an hour old), an aiosmtpd server, a secret key and a contact."""

from __future__ import annotations

import datetime as dt
import email.utils
import importlib.util
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from movedesk.cli.main import main
from movedesk.config import Settings
from movedesk.desk import Desk
from movedesk.jobs.doctor import doctor

if importlib.util.find_spec("aiosmtpd") is None:  # in .[dev]; the web tests fail under CI without it
    pytest.skip("needs aiosmtpd (pip install -e '.[dev]')", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Accept:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


@pytest.fixture
def smtp_port() -> Iterator[int]:
    from aiosmtpd.controller import Controller

    port = _free_port()
    controller = Controller(_Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _feed(published: dt.datetime) -> str:
    stamp = email.utils.format_datetime(published)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Doctor Wire</title>'
        "<item><title>SMIC shares rise as orders pick up</title><link>https://wire.example/smic-orders</link>"
        f"<pubDate>{stamp}</pubDate><description>SMIC said orders rose in the quarter.</description></item>"
        "</channel></rss>"
    )


@pytest.fixture
def settings(tmp_path: Path, httpserver: HTTPServer, smtp_port: int) -> Settings:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/wire.xml").respond_with_data(
        _feed(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)), content_type="application/rss+xml"
    )
    s = Settings(
        db=str(tmp_path / "doctor.duckdb"), allow_private=True, contact="Desk Tests tests@movedesk.test",
        secret_key="doctor-test-secret-key-0123456789abcdef", smtp_host="127.0.0.1", smtp_port=smtp_port,
    )  # fmt: skip
    bars = tmp_path / "bars.csv"
    bars.write_text(
        "symbol,date,open,high,low,close,volume\n"
        "0981.HK,2024-12-19,20.0,21.0,19.5,20.5,1000\n0981.HK,2024-12-20,20.5,22.0,20.0,21.8,1500\n",
        encoding="utf-8",
    )
    with Desk.open(s.db, s) as desk:
        desk.ingest_prices([bars])
        for source in desk.sources():
            desk.remove_source(source.name)
        desk.add_source("doctor-wire", httpserver.url_for("/wire.xml"), markets="hk", rate_per_second=200)
        assert desk.poll_sources().new == 1
    return s


def test_doctor_is_green_on_the_recorded_setup(settings: Settings) -> None:
    report = doctor(settings, timeout=5.0)
    by = {(c.area, c.name): c for c in report.checks}
    assert report.green, [c for c in report.checks if c.status == "fail"]
    assert by[("store", "schema")].status == "ok"
    assert by[("store", "news")].status == "ok" and "1 articles" in by[("store", "news")].detail
    assert by[("store", "bars")].status == "warn"  # the recorded bars are from 2024: stale, said, not failed
    assert by[("source", "doctor-wire")].status == "ok" and "1 items" in by[("source", "doctor-wire")].detail
    assert by[("smtp", f"127.0.0.1:{settings.smtp_port}")].status == "ok"
    assert by[("secret", "MOVEDESK_SECRET_KEY")].status == "ok"
    assert by[("contact", "User-Agent")].status == "ok"
    assert {c.area for c in report.checks} == {"store", "provider", "contact", "source", "smtp", "secret"}


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings, **changes: object) -> None:
    values = settings.model_dump() | changes
    for key in ("db", "allow_private", "contact", "secret_key", "smtp_host", "smtp_port"):
        monkeypatch.setenv(f"MOVEDESK_{key.upper()}", str(values[key]))


def test_cli_doctor_exit_codes(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _env(monkeypatch, settings)
    main(["doctor", "--json"])  # green: returns, exit status 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"

    _env(monkeypatch, settings, smtp_port=_free_port(), secret_key="short")
    with pytest.raises(SystemExit) as exit_:
        main(["doctor", "--json"])
    assert exit_.value.code == 5  # partial: the store works, two things to fix
    failed = {c["area"] for c in json.loads(capsys.readouterr().out)["checks"] if c["status"] == "fail"}
    assert failed == {"smtp", "secret"}

    with pytest.raises(SystemExit) as exit_:
        main(["doctor", "--offline"])
    out = capsys.readouterr().out
    assert exit_.value.code == 5 and "MOVEDESK_SECRET_KEY" in out and "offline" in out


def test_doctor_fails_a_store_it_cannot_open(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "not-a-store.duckdb"
    bad.write_text("hello, this is not DuckDB", encoding="utf-8")
    report = doctor(Settings(db=str(bad), secret_key="k" * 40), offline=True)
    assert report.store_failed and not report.green
    monkeypatch.setenv("MOVEDESK_SECRET_KEY", "k" * 40)
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(bad), "doctor", "--offline"])
    assert exit_.value.code == 1
