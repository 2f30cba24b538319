"""Bad input never crashes extraction: empty, binary, huge, mixed scripts, unknown companies, any text."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movedesk.extract.pipeline import extract_article
from movedesk.extract.reader import article_from_text
from movedesk.extract.text import MAX_CHARS

MON = dt.datetime(2024, 12, 23, 6, 0, tzinfo=dt.UTC)


def _extract(text: str):  # type: ignore[no-untyped-def]
    return extract_article(article_from_text(text, published=MON))


def test_empty_and_blank_text_give_an_empty_result_with_a_warning() -> None:
    for text in ("", "   \n\n\t "):
        ex = _extract(text)
        assert ex.mentions == () and ex.claims == () and ex.analysts == ()
        assert any("empty" in w for w in ex.warnings)


def test_binary_garbage() -> None:
    rng = random.Random(7)
    blob = bytes(rng.randrange(256) for _ in range(20_000)).decode("latin-1")
    ex = _extract(blob)
    assert ex.claims == ()
    assert any("binary" in w for w in ex.warnings)


def test_ten_megabytes_of_one_word_is_cut_with_a_warning() -> None:
    ex = _extract("word " * 2_000_000)
    assert ex.claims == () and ex.mentions == ()
    assert any(f"{MAX_CHARS:,}" in w for w in ex.warnings)
    assert max(e for _, e in ex.sentences) <= MAX_CHARS


def test_long_digit_runs_and_repeated_moves_stay_bounded() -> None:
    ex = _extract("1" * 100_000 + "% " + "rose 5% " * 20_000)
    assert ex.mentions == ()
    assert all(s < e for s, e in ex.sentences)


def test_mixed_scripts() -> None:
    text = "SMIC 中芯国际 réussit Ünïcode 🚀 港股涨5% and rose 3% ٢٣٤ Ελλάδα\u200b\ufeff"
    ex = _extract(text)
    assert {m.company_id for m in ex.mentions} == {"SMIC"}
    for m in ex.mentions:
        assert article_from_text(text, published=MON).text[m.start : m.end] == m.text


def test_unknown_companies_only_give_partial_results() -> None:
    ex = _extract("Acme Widgets Corp shares rose 5% on Tuesday. Foo Bar Ltd fell 2% as demand slowed.")
    assert ex.mentions == ()
    assert all(c.company_id is None for c in ex.claims)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_arbitrary_text_never_raises(text: str) -> None:
    ex = _extract(text)
    full = article_from_text(text, published=MON).text
    for item in (*ex.mentions, *ex.claims):
        assert full[item.start : item.end] == item.text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "SMIC",
                "rose",
                "fell",
                "5.2%",
                "10%",
                "on Monday",
                "Friday's",
                "Hong Kong",
                "shares",
                "as much as",
                "中芯国际",
                "港股",
                "涨",
                "DBS",
                "Daiwa analyst",
                "cautious",
                ",",
                ".",
                "\n",
                "( AAPL.O )",
                "Apple",
                "over 16% in four sessions",
                "33-fold since May",
                "周一",
                "盘中一度",
            ]
        ),
        max_size=60,
    )
)
def test_arbitrary_mix_of_cue_words_never_raises(parts: list[str]) -> None:
    ex = _extract(" ".join(parts))
    for c in ex.claims:
        assert c.value is not None and c.value >= 0
