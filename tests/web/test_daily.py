"""`movedesk run --date D` over the shipped demo data: ingest → detect → explain → publish → send, twice.

The second run must ingest nothing new, publish the same edition and send no mail; instant alerts go only
to readers watching the company that moved; the mails carry text, HTML, the PNG chart and
List-Unsubscribe headers.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from movedesk.config import Settings
from movedesk.demo import demo_data
from movedesk.desk import Desk
from movedesk.errors import ConfigError
from movedesk.jobs.daily import load_run_config

from .conftest import Inbox

SESSION = "2024-12-20"  # SMIC's limit-up Friday: a significant abnormal move
HUAHONG = "HUAHONG"  # company id of Hua Hong Semiconductor (1347.HK) in the registry


def _env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for key in ("secret_key", "smtp_host", "smtp_port", "mail_from", "base_url"):
        monkeypatch.setenv(f"MOVEDESK_{key.upper()}", str(getattr(settings, key)))


def _run(db: str, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    from movedesk.cli.main import main

    try:
        main(["--db", db, "run", "--date", SESSION, "--json", *args])
    except SystemExit as exc:  # typer may exit 0
        assert exc.code in (0, None)
    out = capsys.readouterr().out
    return dict(json.loads(out))


@pytest.mark.slow
def test_daily_run_is_idempotent_and_mails_once(
    settings_for: Callable[[int], Settings],
    smtp: Inbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_for(8000)
    _env(monkeypatch, settings)
    with Desk.open(settings.db, settings) as desk:
        store = desk.store
        store.add_subscribers([("daily-1", "daily@example.com", "active", "daily"),
                               ("watch-smic", "smic@example.com", "active", "instant"),
                               ("watch-other", "other@example.com", "active", "instant"),
                               ("watch-huahong", "huahong@example.com", "active", "both"),
                               ("pending-1", "pending@example.com", "pending", "both")])
        store.set_subscriber("watch-smic", status="active", watchlist=["SMIC"])
        store.set_subscriber("watch-other", status="active", watchlist=["0700.HK"])
        store.set_subscriber("watch-huahong", status="active", watchlist=[HUAHONG])
    # |z| >= 1.2 makes Hua Hong's +4.9% abnormal return significant; with top = 1 it is not in the edition,
    # so its watcher gets an alert built for it alone
    monkeypatch.setenv("MOVEDESK_MIN_ABS_Z", "1.2")
    config = tmp_path / "run.toml"
    config.write_text(
        f'prices = ["{demo_data() / "bars.csv"}"]\nnews = ["{demo_data() / "news"}"]\ntop = 1\nconnections = 2\n',
        encoding="utf-8",
    )

    first = _run(settings.db, "--config", str(config), capsys=capsys)
    assert first["edition"] == f"edition-{SESSION}"
    assert first["briefs"] == [f"SMIC-{SESSION}", f"{HUAHONG}-{SESSION}"]
    assert first["prices_new"] and first["news_new"]
    sent = {d["mailing"]: (d["sent"], d["already_sent"]) for d in first["deliveries"]}  # type: ignore[union-attr]
    assert sent == {f"edition-{SESSION}": (2, 0), f"alert-SMIC-{SESSION}": (1, 0),
                    f"alert-{HUAHONG}-{SESSION}": (1, 0)}
    mails = smtp.wait_for(4)
    by_to = collections.defaultdict(list)
    for m in mails:
        by_to[m["To"]].append(m)
    assert {k: len(v) for k, v in by_to.items()} == {
        "daily@example.com": 1, "smic@example.com": 1, "huahong@example.com": 2
    }
    assert {str(m["Subject"]).split(" ")[0] for m in by_to["huahong@example.com"]} == {"movedesk", "Alert:"}
    alert = by_to["smic@example.com"][0]
    assert str(alert["Subject"]).startswith("Alert: SMIC")
    for mail in mails:
        assert mail["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/unsubscribe?token=")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        kinds = [p.get_content_type() for p in mail.walk()]
        assert {"text/plain", "text/html", "image/png"} <= set(kinds)
        html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        png = next(p for p in mail.walk() if p.get_content_type() == "image/png")
        assert f"cid:{png['Content-ID'].strip('<>')}" in html
        assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n"

    second = _run(settings.db, "--config", str(config), capsys=capsys)
    assert second["prices_new"] == 0 and second["news_new"] == 0
    assert second["briefs"] == first["briefs"]
    again = {d["mailing"]: (d["sent"], d["already_sent"]) for d in second["deliveries"]}  # type: ignore[union-attr]
    assert again == {f"edition-{SESSION}": (0, 2), f"alert-SMIC-{SESSION}": (0, 1),
                     f"alert-{HUAHONG}-{SESSION}": (0, 1)}
    assert len(smtp.messages) == 4


def test_run_config_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('prices = ["a.csv"]\ntopp = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'topp'"):
        load_run_config(bad)
    bad.write_text("top = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top"):
        load_run_config(bad)
    bad.write_text("prices = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_run_config(bad)
    good = tmp_path / "sub" / "run.toml"
    good.parent.mkdir()
    good.write_text('prices = ["bars.csv"]\nnews = ["/abs/news", "https://example.com/feed.xml"]\nsend = false\n',
                    encoding="utf-8")
    cfg = load_run_config(good)
    assert cfg.prices == [good.parent / "bars.csv"] and cfg.send is False
    assert cfg.news == [Path("/abs/news"), "https://example.com/feed.xml"]
