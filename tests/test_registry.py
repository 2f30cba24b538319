"""The shipped registry: every source universe is present, lookups by any alias, rules per board."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from movedesk.errors import DataValidationError, UnknownCompany
from movedesk.registry import default_registry, load_registry, normalise_alias

REGISTRY_DIR = Path(__file__).resolve().parents[1] / "src" / "movedesk" / "data" / "registry"


def test_smic_has_both_listings_exactly_as_the_demo_needs() -> None:
    smic = default_registry().lookup("SMIC")
    assert smic.id == "SMIC"
    assert [x.symbol for x in smic.listings] == ["688981.SS", "0981.HK"]
    a, h = smic.listings
    assert (a.mic, a.currency, a.board, a.limit_rule, a.benchmarks) == (
        "XSHG",
        "CNY",
        "STAR",
        "pct20",
        ("^STAR50", "^SSEC"),
    )
    assert (h.mic, h.currency, h.limit_rule, h.benchmarks) == ("XHKG", "HKD", "none", ("^HSI",))


@pytest.mark.parametrize(
    "text",
    [
        "688981",
        "688981.SH",
        "688981.SS",
        "0981.HK",
        "981 HK",
        "981.hk",
        "smic",
        "ＳＭＩＣ",
        "６８８９８１",
        "中芯国际",
        "中芯國際",
        "  Semiconductor   Manufacturing International  ",
    ],
)
def test_smic_aliases_case_and_width_insensitive(text: str) -> None:
    assert default_registry().lookup(text).id == "SMIC"


@pytest.mark.parametrize(
    ("text", "company_id"),
    [
        ("Alphabet", "GOOGL"),
        ("GOOG", "GOOGL"),
        ("alphabet inc.", "GOOGL"),
        ("Apple", "AAPL"),
        ("coca-cola", "KO"),
        ("The Coca-Cola Company", "KO"),
        ("Tencent", "0700.HK"),
        ("騰訊控股", "0700.HK"),
        ("腾讯控股", "0700.HK"),
        ("700 HK", "0700.HK"),
        ("中国平安", "2318.HK"),
        ("601318", "2318.HK"),
        ("贵州茅台", "600519.SS"),
        ("貴州茅台", "600519.SS"),
        ("华虹公司", "HUAHONG"),
        ("S&P 500", "SP500EW"),
    ],
)
def test_lookup_by_alias(text: str, company_id: str) -> None:
    assert default_registry().lookup(text).id == company_id


def test_share_classes_and_a_h_pairs_are_one_company() -> None:
    reg = default_registry()
    assert {x.symbol for x in reg.lookup("Alphabet").listings} == {"GOOG", "GOOGL"}
    ping_an = reg.lookup("中国平安")
    assert {x.symbol for x in ping_an.listings} == {"2318.HK", "601318.SS"}
    assert {x.symbol for x in reg.lookup("HUAHONG").listings} == {"1347.HK", "688347.SS"}


@pytest.mark.parametrize(
    ("symbol", "board", "rule", "bench"),
    [
        ("688981.SS", "STAR", "pct20", "^STAR50"),
        ("300750.SZ", "ChiNext", "pct20", "^CHINEXT"),
        ("600519.SS", "Main", "pct10", "^SSEC"),
        ("000001.SZ", "Main", "pct10", "^SZCOMP"),
        ("AAPL", "", "none", "^SP500EW"),
        ("0700.HK", "Main", "none", "^HSI"),
    ],
)
def test_board_limit_rules(symbol: str, board: str, rule: str, bench: str) -> None:
    listing = default_registry().listing(symbol)
    assert (listing.board, listing.limit_rule, listing.benchmarks[0]) == (board, rule, bench)


def test_st_main_board_names_have_the_5pct_rule_and_bj_30pct() -> None:
    reg = default_registry()
    st = [c for c in reg if c.name.lstrip("*").startswith("ST")]
    assert st, "the shipped A-share names include ST names"
    for company in st:
        for listing in company.listings:
            if listing.board == "Main" and listing.currency == "CNY":
                assert listing.limit_rule == "pct5", listing.symbol
    for company in reg:
        for listing in company.listings:
            if listing.symbol.endswith(".BJ"):
                assert listing.limit_rule == "pct30"


def test_every_universe_in_shared_is_covered(shared_dir: Path) -> None:
    reg = default_registry()
    prices = shared_dir / "data" / "prices"
    with (prices / "sp500_membership.csv").open(encoding="utf-8") as fh:
        sp = {r["symbol"] for r in csv.DictReader(fh)}
    with (prices / "hk_universe.csv").open(encoding="utf-8") as fh:
        hk = {r["symbol"] for r in csv.DictReader(fh)}
    missing = [s for s in sp | hk if s not in reg.by_symbol]
    assert missing == []
    for index in ("^SSEC", "^STAR50", "^SZCOMP", "^CHINEXT", "^CSI300", "^HSI", "^SP500EW"):
        assert reg.listing(index).symbol == index
    assert reg.lookup(index).is_index


def test_shipped_files_are_small_and_unknown_names_fail() -> None:
    assert sum(p.stat().st_size for p in REGISTRY_DIR.glob("*.csv")) < 2_000_000
    with pytest.raises(UnknownCompany, match="no company"):
        default_registry().lookup("no such company xyz")
    with pytest.raises(UnknownCompany):
        default_registry().listing("NOPE.XX")


def test_normalise_alias() -> None:
    assert normalise_alias("ＡＢＣ  Def") == "abc def"
    assert normalise_alias("Straße") == "strasse"


def test_malformed_registry_names_file_and_line(tmp_path: Path) -> None:
    for name in ("companies.csv", "listings.csv", "aliases.csv"):
        (tmp_path / name).write_text((REGISTRY_DIR / name).read_text(encoding="utf-8").split("\n")[0] + "\n")
    (tmp_path / "listings.csv").write_text(
        "company_id,symbol,mic,currency,board,limit_rule,benchmarks,label\nX,X,XNYS,USD,,pct99,,\n"
    )
    with pytest.raises(DataValidationError, match="line 2"):
        load_registry(tmp_path)
    (tmp_path / "listings.csv").write_text("company_id,symbol,mic,currency,board,limit_rule,benchmarks,label\nX,X\n")
    with pytest.raises(DataValidationError, match=r"listings\.csv line 2"):
        load_registry(tmp_path)


def test_curated_short_names_find_their_companies() -> None:
    from movedesk.registry import load_registry

    registry = load_registry()
    assert registry.lookup("Google").id == registry.lookup("GOOGL").id
    assert registry.lookup("exxon").id == registry.lookup("XOM").id
    assert registry.lookup("JPMorgan").id == registry.lookup("JPM").id
