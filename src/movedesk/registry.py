"""The company registry: companies, their listings and aliases, loaded from ``data/registry/*.csv``.

Lookup is by any alias, ticker spelling or symbol, case- and width-insensitive (NFKC + casefold), so
``688981``, ``688981.SH``, ``0981.HK``, ``981 HK``, ``smic`` and ``中芯国际`` all find SMIC.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import cast

from movedesk.errors import DataValidationError, UnknownCompany
from movedesk.models import Company, Listing
from movedesk.models.market import LimitRule

_LIMIT_RULES = {"none", "pct5", "pct10", "pct20", "pct30"}


def normalise_alias(text: str) -> str:
    """The key aliases are matched on: NFKC (full-width → ASCII), casefold, single spaces."""
    if text.isascii():  # fast path: NFKC is the identity on ASCII and casefold is lower
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def ticker_variants(symbol: str) -> set[str]:
    """Common spellings of a ticker: 688981.SS → 688981, 688981.SH; 0981.HK → 981.HK, 981 HK, 0981 HK."""
    out = {symbol}
    if "." in symbol:
        code, suffix = symbol.rsplit(".", 1)
        if suffix == "SS":
            out |= {code, f"{code}.SH", f"SH{code}"}
        elif suffix == "SZ":
            out |= {code, f"SZ{code}"}
        elif suffix == "HK":
            short = code.lstrip("0") or "0"
            out |= {f"{short}.HK", f"{short} HK", f"{code} HK", f"{code}.HK"}
    return out


class Registry:
    """All known companies, indexed by id, symbol and normalised alias."""

    def __init__(self, companies: list[Company]) -> None:
        self.companies = {c.id: c for c in companies}
        self.by_symbol: dict[str, Company] = {}
        self.by_alias: dict[str, Company] = {}
        for company in companies:
            for listing in company.listings:
                self.by_symbol[listing.symbol] = company
        for company in companies:
            keys = {company.id, company.name, *company.aliases}
            if company.short_name:
                keys.add(company.short_name)
            for listing in company.listings:
                keys |= ticker_variants(listing.symbol)
            for key in keys:
                # first come keeps an ambiguous alias; the data files list primary names first
                self.by_alias.setdefault(normalise_alias(key), company)

    def __iter__(self) -> Iterator[Company]:
        return iter(self.companies.values())

    def __len__(self) -> int:
        return len(self.companies)

    def lookup(self, text: str) -> Company:
        """The company a name, alias, id or ticker refers to, or UnknownCompany."""
        company = self.by_symbol.get(text.strip()) or self.by_alias.get(normalise_alias(text))
        if company is None:
            raise UnknownCompany(f"no company or listing matches {text!r}")
        return company

    def listing(self, symbol: str) -> Listing:
        company = self.by_symbol.get(symbol)
        listing = company.listing(symbol) if company else None
        if listing is None:
            raise UnknownCompany(f"no listing with symbol {symbol!r}")
        return listing

    def search(self, query: str, limit: int = 20) -> list[Company]:
        """Companies whose normalised alias contains the query, best (shortest alias) first."""
        key = normalise_alias(query)
        hits: dict[str, tuple[int, Company]] = {}
        for alias, company in self.by_alias.items():
            if key in alias:
                rank = len(alias) - len(key)
                if company.id not in hits or rank < hits[company.id][0]:
                    hits[company.id] = (rank, company)
        return [c for _, c in sorted(hits.values(), key=lambda x: (x[0], x[1].id))][:limit]


def _rows(folder: Path, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    path = folder / name
    if not path.is_file():
        raise DataValidationError(f"registry file {path} is missing")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            raise DataValidationError(f"registry file {path} is empty")
        width = len(header)
        for line_no, values in enumerate(reader, start=2):
            if len(values) != width:
                raise DataValidationError(f"{name} line {line_no}: {len(values)} fields, the header has {width}")
            yield line_no, dict(zip(header, values, strict=True))


def load_registry(folder: str | Path | None = None) -> Registry:
    """Load the registry from a folder of companies.csv, listings.csv, aliases.csv and optionally
    aliases_curated.csv (default: the shipped folder)."""
    base = Path(folder) if folder else Path(str(resources.files("movedesk") / "data" / "registry"))
    listings: dict[str, list[Listing]] = {}
    for line, row in _rows(base, "listings.csv"):
        if row["limit_rule"] not in _LIMIT_RULES:
            raise DataValidationError(
                f"listings.csv line {line}: limit_rule {row['limit_rule']!r} is not one of {sorted(_LIMIT_RULES)}"
            )
        listings.setdefault(row["company_id"], []).append(
            Listing.model_construct(
                symbol=row["symbol"],
                mic=row["mic"],
                currency=row["currency"],
                board=row["board"],
                limit_rule=cast(LimitRule, row["limit_rule"]),
                benchmarks=tuple(b for b in row["benchmarks"].split(";") if b),
                label=row["label"],
            )
        )
    aliases: dict[str, list[str]] = {}
    # aliases.csv is generated by scripts/build_registry.py; aliases_curated.csv is kept by hand
    # (the short names the news uses: "Google", "Exxon", "JPMorgan")
    for name in ("aliases.csv", "aliases_curated.csv"):
        if name == "aliases_curated.csv" and not (base / name).exists():
            continue
        for _, row in _rows(base, name):
            aliases.setdefault(row["company_id"], []).append(row["alias"])
    companies = []
    for line, row in _rows(base, "companies.csv"):
        if not row["id"] or not row["name"]:
            raise DataValidationError(f"companies.csv line {line}: id and name are required")
        companies.append(
            Company.model_construct(
                id=row["id"],
                name=row["name"],
                short_name=row.get("short_name") or "",
                sector=row.get("sector") or "",
                is_index=(row.get("is_index") or "").lower() == "true",
                aliases=tuple(aliases.get(row["id"], ())),
                listings=tuple(listings.get(row["id"], ())),
            )
        )
    return Registry(companies)


@functools.cache
def default_registry() -> Registry:
    """The shipped registry, loaded once per process."""
    return load_registry()
