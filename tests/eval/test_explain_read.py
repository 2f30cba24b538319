"""The explain dev set labelled by reading (eval-protocols/move-reasons.md): what it holds, how cases are
built from its rows, and how a run is scored."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from movedesk.eval.explain_eval import load_floors
from movedesk.eval.explain_read import (
    MAX_SHARE,
    ReadResult,
    build_cases,
    load_rows,
    read_set_path,
    score_read,
)
from movedesk.extract.themes import CATEGORIES
from movedesk.registry import default_registry

REASONS = {*CATEGORIES, "none", ""}


def test_read_set_holds_ids_offsets_and_labels_only() -> None:
    rows = load_rows()
    assert len(rows) >= 2000
    allowed = {
        "cid", "article_id", "ticker", "start", "end", "is_price_move", "measure", "holder", "subject_ok",
        "period", "session", "value", "direction", "value_start", "value_end", "reason", "evidence_start",
        "evidence_end", "confidence", "peer",
    }  # fmt: skip
    for row in rows:
        assert set(row) <= allowed, set(row) - allowed  # no notes: they could quote the article
        assert row["reason"] in REASONS
        assert len(str(row["holder"] or "")) <= 60  # a name at most
        assert isinstance(row["start"], int) and isinstance(row["end"], int)
    assert len({r["cid"] for r in rows}) == len(rows)
    decoys = [r for r in rows if r["is_price_move"] == "yes" and r["subject_ok"] == "no"]
    assert len(decoys) >= 40
    assert "\n" not in read_set_path().read_text(encoding="utf-8").strip().splitlines()[0]


def test_cases_reach_400_and_no_category_holds_more_than_45_percent() -> None:
    cases, _ = build_cases(load_rows(), default_registry())
    scored = [c for c in cases if c.scored]
    assert len(cases) >= 400
    mix = Counter(c.reason for c in scored)
    assert max(mix.values()) <= MAX_SHARE * len(scored) + 1
    assert {"earnings", "guidance", "mna", "capital"} <= set(mix)
    assert len({c.case_id for c in cases}) == len(cases)
    assert all(c.reason in REASONS for c in cases)


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "cid": 1, "article_id": "20061020/x", "ticker": "GOOG", "start": 0, "end": 10, "is_price_move": "yes",
        "measure": "share_price", "holder": "tagged", "subject_ok": "yes", "period": "session",
        "session": "2006-10-20", "value": 7.9, "direction": "up", "reason": "earnings", "confidence": "high",
    }  # fmt: skip
    base.update(kw)
    return base


def test_after_hours_moves_are_the_next_sessions_case_and_decoys_are_not_cases() -> None:
    registry = default_registry()
    rows = [
        _row(cid=1, period="after_hours", session="2006-10-19"),  # Thursday evening → Friday's move
        _row(cid=2, subject_ok="no", holder="org:Yahoo", session="2006-10-23"),
        _row(cid=3, period="ytd", session="2006-10-24"),
        _row(cid=4, session="2006-10-20", reason="none", confidence="medium"),
    ]
    cases, _ = build_cases(rows, registry)
    assert [(c.session, c.reason, c.scored) for c in cases] == [(dt.date(2006, 10, 20), "earnings", True)]
    # the row with a reason wins over the row labelled none for the same case; the after-hours row's
    # number is not a session claim, the session row's is
    assert cases[0].claims == (("20061020/x", 7.9, "up"),)


def test_scoring_against_the_always_earnings_baseline() -> None:
    results = [
        ReadResult("a", "earnings", True, "earnings", "stock-specific", 1, 1),
        ReadResult("b", "guidance", True, "earnings", "stock-specific", 1, 0),
        ReadResult("c", "mna", True, "mna", "stock-specific", 2, 2),
        ReadResult("d", "none", False, "none", "unexplained", 0, 0),
        ReadResult("e", "earnings", True, "none", "unexplained", 1, 1),
    ]
    report = score_read(results)
    assert report.n_scored == 4 and report.top1 == 0.5 and report.baseline_top1 == 0.5
    assert report.confusion["guidance"] == {"earnings": 1}
    assert report.by_category["earnings"]["top1"] == 0.5
    assert report.unexplained_recall_of_none == 1.0 and report.unexplained_precision == 0.5
    assert report.verifier == 0.8  # 4 of the 5 labelled claims of cases with a reason
    assert json.dumps(report.as_dict())


@pytest.mark.shared
@pytest.mark.slow
def test_read_set_accuracy_stays_above_its_floor_and_the_baseline(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOVEDESK_SENTIMENT", "lm")  # the floors were measured with the dictionary
    floors = load_floors()["read"]
    from movedesk.eval.explain_read import evaluate_read

    report = evaluate_read(sample=floors["sample"], seed=floors["seed"], shared=shared_dir)
    assert report.errors == 0 and report.n_scored >= 60
    assert report.top1 >= floors["floors"]["top1"], report.as_dict()
    assert report.top1 > report.baseline_top1, report.as_dict()  # better than always saying "earnings"
    assert report.verifier is not None and report.verifier >= floors["floors"]["verifier"], report.as_dict()
