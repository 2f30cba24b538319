"""The extraction cache's key covers every input of an extraction: edit one and stored results go stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import movedesk
from movedesk import calendars
from movedesk.extract import cache as ex

PACKAGE = Path(movedesk.__file__).resolve().parent


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    root = tmp_path / "movedesk"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.parametrize(
    "edited",
    [
        "data/registry/aliases.csv",  # an alias edited: mentions link differently
        "data/registry/listings.csv",
        "data/themes.yaml",
        "data/analyst_firms.csv",
        "extract/common_words.txt",
        "extract/weights/sentiment_sentfin.npz",
        "extract/claims.py",
        "gather/provenance.py",
        "registry.py",
        "calendars.py",
    ],
)
def test_editing_an_input_changes_the_key(package_copy: Path, edited: str) -> None:
    before = ex.code_key(package_copy)
    with (package_copy / edited).open("ab") as fh:
        fh.write(b"\n")
    assert ex.code_key(package_copy) != before


def test_files_no_extraction_reads_leave_the_key_alone(package_copy: Path) -> None:
    before = ex.code_key(package_copy)
    for name in ("data/demo/bars.csv", "data/eval/explain_cases.csv", "web/app.py", "publish/brief.py"):
        with (package_copy / name).open("ab") as fh:
            fh.write(b"\n")
    assert ex.code_key(package_copy) == before


def test_the_installed_package_key_is_the_pipeline_key_prefix(tmp_path: Path) -> None:
    assert ex.pipeline_key().startswith(ex.code_key(PACKAGE))
    calendars.forget_listed_holidays()
    plain = ex.pipeline_key()
    listed = tmp_path / "h.csv"
    listed.write_text("mic,date\nXSHG,2030-05-01\n", encoding="utf-8")
    try:
        calendars.load_holidays(listed)
        assert ex.pipeline_key() != plain  # listed holidays change which days are sessions
    finally:
        calendars.forget_listed_holidays()
    assert ex.pipeline_key() == plain


def test_an_edited_alias_gives_a_fresh_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the desk's store: an extraction cached under the old key is not served once the key changes."""
    import datetime as dt

    from movedesk.desk import Desk
    from movedesk.models import Article

    when = dt.datetime(2024, 12, 23, 2, 0, tzinfo=dt.UTC)
    article = Article(id="a1", source="test", title="SMIC shares rise 3%", body="SMIC shares rose 3% on Monday.",
                      published=when, first_seen=when)
    with Desk.open(tmp_path / "s.duckdb") as desk:
        desk.store.upsert_articles([article])
        first = desk.extractions([article])[0]
        calls: list[str] = []
        real = ex.ExtractionCache._compute

        def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append("extract")
            return real(self, *args, **kwargs)

        monkeypatch.setattr(ex.ExtractionCache, "_compute", counting)
        assert desk.extractions([article])[0] == first and calls == []  # cached
        assert desk.extract_articles([article]) == 0
        monkeypatch.setattr(ex, "installed_code_key", lambda: "x-after-an-alias-edit")
        assert desk.extractions([article])[0] == first
        assert calls == ["extract"]  # the old entry is not served
        assert desk.extract_articles([article]) == 0  # and the new one is stored
