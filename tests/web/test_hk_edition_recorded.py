"""The live desk's Hong Kong evening, end to end on recorded data: `movedesk run --market hk` fetches the
Hang Seng constituents' bars from yfinance (replaced at ``download`` by ``YahooLike`` over real bars of the 83
constituents, tests/fixtures/live/hsi_2025.parquet), polls the desk's Hong Kong news source (an RSS feed
written for this test, served on loopback), and publishes the Hong Kong edition; a rerun changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import time_machine
from pytest_httpserver import HTTPServer

from movedesk.desk import Desk
from movedesk.providers.prices import live
from yahoo_like import YahooLike

HKT = ZoneInfo("Asia/Hong_Kong")
SESSION = dt.date(2025, 6, 4)  # a Wednesday of the fixture; Trip.com (9961.HK) fell 3.9%, an abnormal move
EVENING = dt.datetime.combine(SESSION, dt.time(19, 30), HKT)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "live" / "hsi_2025.parquet"
STORY_AT = dt.datetime.combine(SESSION, dt.time(17, 20), HKT)  # filed after the 16:00 close
FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test HK wire</title><link>https://wire.test.invalid/</link>
<description>written for movedesk's tests</description>
<item><title>Trip.com (9961.HK) shares slide 3.9% as travel bookings slow</title>
<link>https://wire.test.invalid/2025/06/04/trip</link>
<pubDate>{STORY_AT.strftime("%a, %d %b %Y %H:%M:%S %z")}</pubDate>
<description>Shares of Trip.com (9961.HK) fell 3.9% in Hong Kong on Wednesday after the company said
summer travel bookings were slowing.</description></item>
</channel></rss>"""


@pytest.fixture
def recorded(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    bars = pd.read_parquet(FIXTURE)
    bars["session"] = pd.to_datetime(bars["session"]).dt.date
    truth = bars.drop(columns=["flags"]).assign(dividend=0.0, split=0.0)
    yahoo = YahooLike(truth)
    monkeypatch.setattr(live, "_import", lambda module: yahoo)
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/hk.xml").respond_with_data(FEED, content_type="application/rss+xml")
    db = str(tmp_path / "hk.duckdb")
    monkeypatch.setenv("MOVEDESK_ALLOW_PRIVATE", "true")
    with Desk.open(db) as desk:
        # the store holds every bar before the session (as a desk that ran yesterday would)
        desk.store.upsert_bars(bars[bars["session"] < SESSION])
        for source in desk.sources():  # the shipped list is for the internet: not here
            desk.remove_source(source.name)
        desk.add_source("test-hk-wire", httpserver.url_for("/hk.xml"), markets="hk", timezone="Asia/Hong_Kong",
                        interval_minutes=5, rate_per_second=100)
    config = tmp_path / "run.toml"
    config.write_text("top = 5\nsend = false\n", encoding="utf-8")
    return {"db": db, "config": config, "yahoo": yahoo, "symbols": sorted(set(bars["symbol"]))}


def _run(recorded: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    from movedesk.cli.main import main

    with time_machine.travel(EVENING, tick=True):
        try:
            main(["--db", recorded["db"], "run", "--market", "hk", "--date", SESSION.isoformat(),
                  "--config", str(recorded["config"]), "--json"])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_hong_kong_edition_from_recorded_prices_and_feed_and_an_idempotent_rerun(
    recorded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, first, err = _run(recorded, capsys)
    assert code == 0, err
    assert first["edition"] == f"edition-hk-{SESSION}" and first["status"] == "ok"
    # every Hang Seng constituent and the index, one new session each, asked from the last stored session
    assert first["fetched"] == len(recorded["symbols"]) == 84 and first["missing"] == []
    assert first["prices_new"] == 84 and first["sources"]["new"] == 1 and first["sources_failed"] == []
    assert {call[1] for call in recorded["yahoo"].calls} == {"2025-06-03"}
    assert "9961.HK-2025-06-04" in first["briefs"]
    with Desk.open(recorded["db"]) as desk:
        edition = desk.edition(first["edition"])
        brief = desk.brief("9961.HK-2025-06-04")
    assert edition is not None and edition["scope"] == "hk"
    assert brief is not None
    expl = brief["explanation"]
    # a live run reads the news up to now (the evening story, filed after the close, included) and cites it;
    # its 3.9% is checked on the bars
    assert expl["cutoff_rule"] == "now"
    assert [a["title"] for a in expl["articles"]] == ["Trip.com (9961.HK) shares slide 3.9% as travel bookings slow"]
    assert any(v["verdict"] in ("true", "roughly true") and v["claim"]["value"] == 3.9 for v in expl["verifications"])

    recorded["yahoo"].calls.clear()
    code, second, err = _run(recorded, capsys)
    assert code == 0, err
    assert recorded["yahoo"].calls == [] and second["prices_new"] == 0 and second["sources"]["new"] == 0
    assert (second["edition"], second["briefs"]) == (first["edition"], first["briefs"])
