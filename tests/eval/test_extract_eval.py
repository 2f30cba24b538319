"""The extraction eval: scoring arithmetic, the stored claim set (offsets only), and the CI floor gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movedesk.eval.claimset import claim_set_path, load_claim_set
from movedesk.eval.extract import Result, _overlap_score, predicted_spans
from movedesk.models.news import Mention


def test_result_scores() -> None:
    r = Result("companies", "x", n=3, tp=8, fp=2, fn=8)
    assert r.precision == pytest.approx(0.8)
    assert r.recall == pytest.approx(0.5)
    assert r.f1 == pytest.approx(2 * 0.8 * 0.5 / 1.3)
    assert r.score == r.f1
    acc = Result("sentiment", "x", n=10, accuracy=0.7)
    assert acc.score == 0.7 and acc.f1 is None


def test_overlap_scoring_counts_each_gold_once() -> None:
    tp, fp, fn = _overlap_score([(0, 5), (2, 4), (10, 12)], [(0, 5), (20, 25)])
    assert (tp, fp, fn) == (1, 2, 1)


def test_ticker_after_name_is_one_entity() -> None:
    m = [
        Mention(article_id="a", company_id="AAPL", start=0, end=9, text="Apple Inc", method="ticker_name"),
        Mention(article_id="a", company_id="AAPL", start=11, end=17, text="AAPL.O", method="ticker"),
        Mention(article_id="a", company_id="AAPL", start=30, end=41, text="the company", method="coref"),
    ]
    assert predicted_spans(m) == [(0, 9)]


@pytest.mark.parametrize("name", ["claim_set.jsonl", "claim_set_test.jsonl"])
def test_claim_sets_hold_offsets_and_labels_only(name: str) -> None:
    path = claim_set_path().with_name(name)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    allowed = {"start", "end", "company_id", "direction", "value", "session", "actual_pct", "not_price"}
    for row in rows:
        assert set(row) == {"article_id", "start", "end", "numbers"}  # no Reuters text stored
        for n in row["numbers"]:
            assert set(n) <= allowed
            assert row["start"] <= n["start"] < n["end"] <= row["end"]
            if "direction" in n:
                assert n["direction"] in ("up", "down") and n["value"] > 0
    gold = load_claim_set(path)
    assert sum(1 for g in gold for n in g.numbers if n.company_id) >= 300


def test_dev_and_test_claim_sets_are_disjoint() -> None:
    dev = {(g.article_id, g.start) for g in load_claim_set()}
    test = {(g.article_id, g.start) for g in load_claim_set(claim_set_path().with_name("claim_set_test.jsonl"))}
    assert dev and test and not dev & test


@pytest.mark.shared
@pytest.mark.slow
def test_extraction_scores_stay_above_floors(shared_dir: Path) -> None:
    from movedesk.eval.extract_floors import check

    problems, results = check(str(shared_dir))
    assert not problems, "\n".join(problems)
    assert {r.component for r in results} >= {"companies", "sentiment", "price_claims", "metrics", "analysts", "themes"}
