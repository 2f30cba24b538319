"""`movedesk ingest news`, `movedesk news list` and `movedesk news show`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from movedesk.cli.main import main
from movedesk.demo import demo_data

DEMO_NEWS = demo_data() / "news"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_list_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.duckdb")
    copy = tmp_path / "copy.md"
    original = next(DEMO_NEWS.glob("02-*.md")).read_text(encoding="utf-8")
    mirrored = original.replace("url: https://demo", "url: https://mirror").replace("source:", "source: Mirror of")
    copy.write_text(mirrored, encoding="utf-8")
    (tmp_path / "empty.xml").write_bytes(b"")

    code, out, err = run(capsys, "--db", db, "ingest", "news", str(DEMO_NEWS), str(copy), str(tmp_path / "empty.xml"),
                         "--json")
    assert code == 5, err  # partial: the empty file was refused, the rest stored
    report = json.loads(out)
    assert report["status"] == "partial"
    assert report["new"] == 7 and report["duplicates"] == 1
    assert report["rejected"][0]["reason"].endswith("is empty (0 bytes)")

    code, out, _ = run(capsys, "--db", db, "ingest", "news", str(DEMO_NEWS))
    assert code == 0 and "0 new" in out and "7 already stored" in out

    code, out, _ = run(
        capsys, "--db", db, "news", "list", "--company", "SMIC", "--until", "2024-12-23T07:00Z", "--json"
    )
    listed = json.loads(out)["articles"]
    assert code == 0 and listed and all(a["published"] <= "2024-12-23T07:00:00+00:00" for a in listed)
    assert any(a["language"] == "zh-Hans" for a in listed)

    code, out, _ = run(capsys, "--db", db, "news", "list", "--since", "2024-12-27")
    assert code == 0 and "placement" in out

    members = [a for a in json.loads(run(capsys, "--db", db, "news", "list", "--json")[1])["articles"]]
    clustered = next(a for a in members if a["url"] and "/2024/12/23/" in a["url"] and "smic" in a["url"].lower()
                     and a["relays"])
    code, out, _ = run(capsys, "--db", db, "news", "show", clustered["id"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["article"]["id"] == clustered["id"]
    assert shown["article"]["relays"] == ["The Wall Street Journal"]
    assert len(shown["duplicates"]) == 1 and shown["duplicates"][0]["relation"] == "exact"

    member_id = shown["duplicates"][0]["member_id"]
    code, out, _ = run(capsys, "--db", db, "news", "show", member_id)
    assert code == 0 and "duplicate" in out and clustered["id"] in out

    code, _out, err = run(capsys, "--db", db, "news", "show", "no-such-id")
    assert code == 1 and "[W043]" in err


def test_ingest_url_needs_allow_private_for_loopback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/page.html").respond_with_data(
        "<html><head><title>Local page</title>"
        '<meta property="article:published_time" content="2024-12-23T08:00:00Z"></head><body><article><p>'
        + "Example Semiconductor shares rose on Monday after the company reported strong orders. " * 5
        + "</p></article></body></html>",
        content_type="text/html; charset=utf-8",
    )
    db = str(tmp_path / "cli.duckdb")
    url = httpserver.url_for("/page.html")
    code, out, _ = run(capsys, "--db", db, "ingest", "news", url, "--json")
    report = json.loads(out)
    # every input refused: exit 4, not 0, so that a cron job whose feeds all fail finds out
    assert code == 4 and report["status"] == "refused"
    assert report["new"] == 0 and "refusing" in report["rejected"][0]["reason"]
    code, out, _ = run(capsys, "--db", db, "ingest", "news", url, "--allow-private", "--json")
    assert code == 0 and json.loads(out)["new"] == 1


def test_bad_options_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.duckdb")
    code, _, err = run(capsys, "--db", db, "ingest", "news", str(DEMO_NEWS), "--tz", "Mars/Base")
    assert code == 2 and "unknown time zone" in err  # a bad option value is a usage error
    code, _, err = run(capsys, "--db", db, "ingest", "news", str(DEMO_NEWS), "--column", "nonsense")
    assert code == 2 and "--column" in err
    code, _, err = run(capsys, "--db", db, "news", "list", "--until", "not a time")
    assert code == 2 and "--until" in err
