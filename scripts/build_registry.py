"""Build the shipped company registry (``src/movedesk/data/registry/*.csv``) from ../shared/data/prices.

Usage::

    python scripts/build_registry.py [--shared ../shared/data/prices] [--out src/movedesk/data/registry]

Sources (facts only: tickers, names, sectors):

* ``sp500_membership.csv``: every symbol that was ever an S&P 500 member in the snapshots; name and GICS
  sector from its latest spell; share classes of one issuer (same CIK: GOOG/GOOGL, FOX/FOXA, NWS/NWSA)
  become one company with several listings. MIC XNYS (XNAS shares the same sessions); benchmark
  ``^SP500EW``, the equal-weight proxy the scan builds from the panel (see movedesk.detect.scan).
* ``hk_universe.csv``: HSI Composite names (English, Chinese traditional + simplified), benchmark ^HSI.
* ``cn_names.csv``: A-share short names (simplified + traditional) with board and price-limit rule:
  688xxx STAR ±20%, 300/301xxx ChiNext ±20%, other SH/SZ main board ±10%, main-board names starting with
  ST/*ST ±5% (ST on STAR/ChiNext keeps ±20%), Beijing (.BJ) ±30%.
* ``universes.csv``: index memberships for the scan (S&P 500 on 2024-12-08, HSI on 2025-05-30, HSCI on
  2025-11-21).
* A/H pairs: an HK name whose simplified form equals an A-share short name becomes one company with
  both listings (e.g. 中国平安: 601318.SS + 2318.HK), which lets descriptors compute the A/H premium.

The hand-written rows (SMIC, HUAHONG, the indices) are read from the current files and kept verbatim;
only rows of generated companies are rewritten, so the script is idempotent.

opencc (``pip install opencc-python-reimplemented``) is used here only, at build time.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANUAL_IDS = ("SMIC", "HUAHONG", "SSEC", "STAR50", "HSI", "CSI300", "SZCOMP", "CHINEXT", "SP500EW")
SP500_PROXY = "^SP500EW"
#: Generated listings attached to a hand-written company.
ATTACH = {"688347.SS": "HUAHONG"}

_SUFFIXES = re.compile(
    r"(?:,?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Company|Co\.?|plc|PLC|Ltd\.?|Limited|N\.V\.|"
    r"S\.A\.|AG|SE|L\.P\.|LP|Holdings?|Group|\(The\)|\(Class [A-C]\)|Class [A-C]|& Co\.?))+\s*$"
)

#: Short names that are ordinary words: never shipped as aliases (the full name still is).
AMBIGUOUS_SHORT = {
    "news", "target", "ball", "block", "match", "progressive", "fox", "southern", "principal", "public",
    "discover", "booking", "global", "mosaic", "republic", "general", "united", "american", "first",
    "federal", "national", "international", "china", "hong kong", "capital", "equity", "energy", "health",
    "apple hospitality", "best", "gap", "visa inc", "tapestry", "humana", "state street", "welltower",
    "paramount", "pool", "domino", "sun", "news corp",
}  # fmt: skip

_SUFFIXES_CI = re.compile(_SUFFIXES.pattern, re.IGNORECASE)


def _converters() -> tuple[object, object]:
    from opencc import OpenCC

    return OpenCC("t2s"), OpenCC("s2t")


def us_short_names(security: str) -> list[str]:
    """'Alphabet Inc. (Class A)' → ['Alphabet Inc.', 'Alphabet']; 'Coca-Cola Company (The)' → 'Coca-Cola'."""
    out: list[str] = []
    no_class = re.sub(r"\s*\(?Class [A-C]\)?\s*$", "", security).strip()
    if no_class != security:
        out.append(no_class)
    if security.endswith("(The)"):
        out.append("The " + security[: -len("(The)")].strip())
    short = _SUFFIXES.sub("", security).strip().rstrip(",")
    if short and short != security and len(short) >= 3:
        out.append(short)
    return [x for x in dict.fromkeys(out) if x != security]


def cn_board(symbol: str) -> tuple[str, str, str, str, str]:
    """(mic, board, benchmarks, label, base limit rule) of an A-share symbol."""
    code, suffix = symbol.split(".")
    if suffix == "BJ":
        return "BJSE", "BSE", "^CSI300", "Beijing", "pct30"
    if suffix == "SS":
        if code.startswith(("688", "689")):
            return "XSHG", "STAR", "^STAR50;^SSEC", "Shanghai", "pct20"
        return "XSHG", "Main", "^SSEC", "Shanghai", "pct10"
    if code.startswith(("300", "301", "302")):
        return "XSHE", "ChiNext", "^CHINEXT;^SZCOMP", "Shenzhen", "pct20"
    return "XSHE", "Main", "^SZCOMP", "Shenzhen", "pct10"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _manual(out: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    companies = [r for r in _read(out / "companies.csv") if r["id"] in MANUAL_IDS]
    listings = [r for r in _read(out / "listings.csv") if r["company_id"] in MANUAL_IDS]
    aliases = [r for r in _read(out / "aliases.csv") if r["company_id"] in MANUAL_IDS]
    listings = [r for r in listings if r["symbol"] not in ATTACH]
    if not any(r["id"] == "SP500EW" for r in companies):
        companies.append(
            {
                "id": "SP500EW",
                "name": "S&P 500 equal-weight proxy",
                "short_name": "S&P 500 proxy",
                "sector": "Index",
                "is_index": "true",
            }
        )
        listings.append(
            {
                "company_id": "SP500EW",
                "symbol": SP500_PROXY,
                "mic": "XNYS",
                "currency": "USD",
                "board": "Index",
                "limit_rule": "none",
                "benchmarks": "",
                "label": "New York",
            }
        )
        for alias in ("S&P 500", "S&P500", "SPX", "S&P 500 index", "S&P", "標普500", "标普500"):
            aliases.append({"company_id": "SP500EW", "alias": alias, "lang": "en"})
    return companies, listings, aliases


def build(shared: Path, out: Path) -> dict[str, int]:
    t2s, s2t = _converters()
    companies, listings, aliases = _manual(out)
    taken_symbols = {r["symbol"] for r in listings}
    taken_ids = {r["id"] for r in companies}

    def add_alias(cid: str, alias: str, lang: str) -> None:
        alias = alias.strip()
        if alias and alias.casefold() not in AMBIGUOUS_SHORT:
            aliases.append({"company_id": cid, "alias": alias, "lang": lang})

    # -- US: S&P 500 membership ------------------------------------------------------------------------
    spells = _read(shared / "sp500_membership.csv")
    latest: dict[str, dict[str, str]] = {}
    for row in spells:
        sym = row["symbol"]
        if sym not in latest or row["last_seen"] > latest[sym]["last_seen"]:
            latest[sym] = row
    by_issuer: dict[str, list[dict[str, str]]] = defaultdict(list)
    for sym, row in sorted(latest.items()):
        by_issuer[row["cik"] or f"sym:{sym}"].append(row)
    for rows in by_issuer.values():
        rows.sort(key=lambda r: ("Class C" in r["security"] or "Class B" in r["security"], r["symbol"]))
        primary = rows[0]
        cid = primary["symbol"]
        if cid in taken_ids:
            continue
        name = re.sub(r"\s*\(Class [A-C]\)\s*$", "", primary["security"]).strip()
        shorts = us_short_names(primary["security"])
        companies.append(
            {
                "id": cid,
                "name": name,
                "short_name": shorts[-1] if shorts and shorts[-1].casefold() not in AMBIGUOUS_SHORT else "",
                "sector": primary["gics_sector"],
                "is_index": "false",
            }
        )
        taken_ids.add(cid)
        for row in rows:
            if row["symbol"] in taken_symbols:
                continue
            taken_symbols.add(row["symbol"])
            listings.append(
                {
                    "company_id": cid,
                    "symbol": row["symbol"],
                    "mic": "XNYS",
                    "currency": "USD",
                    "board": "",
                    "limit_rule": "none",
                    "benchmarks": SP500_PROXY,
                    "label": "New York",
                }
            )
            if row["security"] != name:
                add_alias(cid, row["security"], "en")
        for short in shorts:
            add_alias(cid, short, "en")

    # -- CN names first (A/H merge needs them) ---------------------------------------------------------
    cn_rows = [
        r
        for r in _read(shared / "cn_names.csv")
        if r["sector_zh"] != "指数"
        and not re.fullmatch(r"\d{6}\.[A-Z]{2}", r["name_zh"])
        and re.fullmatch(r"\d{6}\.(SS|SZ|BJ)", r["symbol"])
    ]
    cn_by_name = {r["name_zh"]: r for r in cn_rows}
    merged: dict[str, str] = dict(ATTACH)  # A symbol → company id

    # -- HK --------------------------------------------------------------------------------------------
    for row in _read(shared / "hk_universe.csv"):
        sym = row["symbol"]
        if sym in taken_symbols:
            continue
        cid = sym
        name_en = row["name_en"].strip()
        industry = re.sub(r"(?<=[a-z])-(?=[a-z])", "", row["industry"] or "")
        companies.append({"id": cid, "name": name_en, "short_name": "", "sector": industry, "is_index": "false"})
        taken_ids.add(cid)
        taken_symbols.add(sym)
        code = int(sym.split(".")[0])
        board = "GEM" if 8000 <= code < 9000 else "Main"
        listings.append(
            {
                "company_id": cid,
                "symbol": sym,
                "mic": "XHKG",
                "currency": "HKD",
                "board": board,
                "limit_rule": "none",
                "benchmarks": "^HSI",
                "label": "Hong Kong",
            }
        )
        dehyph = re.sub(r"(?<=[A-Z])-(?=[A-Z])", "", name_en)
        if dehyph != name_en:
            add_alias(cid, dehyph, "en")
        short = _SUFFIXES_CI.sub("", dehyph).strip()
        if short != dehyph and len(short) >= 3:
            add_alias(cid, short, "en")
        zh = (row["name_zh"] or "").strip()
        if zh:
            hans = t2s.convert(zh)  # type: ignore[attr-defined]
            add_alias(cid, zh, "zh-Hant")
            if hans != zh:
                add_alias(cid, hans, "zh-Hans")
            for candidate in (hans, hans.removesuffix("股份"), hans + "股份"):
                a_row = cn_by_name.get(candidate)
                if a_row and a_row["symbol"] not in merged and a_row["symbol"] not in taken_symbols:
                    merged[a_row["symbol"]] = cid
                    break

    # -- CN A-shares -----------------------------------------------------------------------------------
    for row in cn_rows:
        sym = row["symbol"]
        if sym in taken_symbols:
            continue
        name = row["name_zh"].strip()
        mic, board, benches, label, rule = cn_board(sym)
        if board == "Main" and re.match(r"^\*?ST", name):
            rule = "pct5"
        cid = merged.get(sym, sym)
        if cid not in taken_ids:
            companies.append(
                {"id": cid, "name": name, "short_name": name, "sector": row["sector_zh"], "is_index": "false"}
            )
            taken_ids.add(cid)
        else:
            add_alias(cid, name, "zh-Hans")
        taken_symbols.add(sym)
        listings.append(
            {
                "company_id": cid,
                "symbol": sym,
                "mic": mic,
                "currency": "CNY",
                "board": board,
                "limit_rule": rule,
                "benchmarks": benches,
                "label": label,
            }
        )
        hant = s2t.convert(name)  # type: ignore[attr-defined]
        for variant in (hant, hant.replace("臺", "台")):  # HK/TW print both 臺 and 台
            if variant != name:
                add_alias(cid, variant, "zh-Hant")

    # -- write -----------------------------------------------------------------------------------------
    seen: set[tuple[str, str]] = set()
    unique_aliases = []
    for a in aliases:
        key = (a["company_id"], a["alias"])
        if key not in seen:
            seen.add(key)
            unique_aliases.append(a)
    _write(out / "companies.csv", ["id", "name", "short_name", "sector", "is_index"], companies)
    _write(
        out / "listings.csv",
        ["company_id", "symbol", "mic", "currency", "board", "limit_rule", "benchmarks", "label"],
        listings,
    )
    _write(out / "aliases.csv", ["company_id", "alias", "lang"], unique_aliases)
    members = _universes(shared)
    _write(out / "universes.csv", ["universe", "symbol", "as_of"], members)
    return {
        "companies": len(companies),
        "listings": len(listings),
        "aliases": len(unique_aliases),
        "a_h_pairs": sum(1 for s, c in merged.items() if c not in ATTACH.values()),
    }


def _universes(shared: Path) -> list[dict[str, str]]:
    """Index memberships for the scan's named universes (as of the source snapshots)."""
    rows = []
    for row in _read(shared / "sp500_membership.csv"):
        if row["member_2024_12_08"] == "True":
            rows.append({"universe": "sp500", "symbol": row["symbol"], "as_of": "2024-12-08"})
    for row in _read(shared / "hk_universe.csv"):
        if row["in_hsi_list_20250530"] == "True":
            rows.append({"universe": "hsi", "symbol": row["symbol"], "as_of": "2025-05-30"})
        if row["in_hsci_list_20251121"] == "True":
            rows.append({"universe": "hsci", "symbol": row["symbol"], "as_of": "2025-11-21"})
    unique = {(r["universe"], r["symbol"]): r for r in rows}
    return sorted(unique.values(), key=lambda r: (r["universe"], r["symbol"]))


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "prices")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "movedesk" / "data" / "registry")
    args = parser.parse_args()
    counts = build(args.shared, args.out)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
