"""Python API of the detect layer: the CLI verbs as functions returning pandas frames.

>>> from movedesk.detect.api import companies_frame
>>> companies_frame("smic").loc[0, "id"]
'SMIC'
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from movedesk.errors import UnknownCompany
from movedesk.registry import Registry, default_registry


def _desk(db: str | Path | None):  # type: ignore[no-untyped-def]
    from movedesk.desk import Desk

    return Desk.open(db)


def move_frame(symbol: str, session: dt.date, *, db: str | Path | None = None) -> pd.DataFrame:
    """All descriptors of one listing on one session as a one-row frame (cum_pct expanded to cumN_pct)."""
    with _desk(db) as desk:
        move = desk.move(symbol, session)
    row = move.model_dump(exclude={"cum_pct", "schema_version"})
    for n, value in move.cum_pct.items():
        row[f"cum{n}_pct"] = value
    row["flags"] = ";".join(move.flags)
    return pd.DataFrame([row])


def moves_frame(
    start: dt.date,
    end: dt.date | None = None,
    *,
    universe: str | Sequence[str] | None = None,
    min_z: float | None = None,
    model: str = "market-model",
    db: str | Path | None = None,
) -> pd.DataFrame:
    """Significant abnormal moves, ranked by |z|; ``frame.attrs['market']`` holds the market verdicts."""
    with _desk(db) as desk:
        result = desk.scan(start, end, universe=universe, min_z=min_z, model=model)
    frame = result.moves.copy()
    frame.attrs["market"] = result.market
    frame.attrs["gaps"] = result.gaps
    return frame


def market_frame(
    start: dt.date,
    end: dt.date | None = None,
    *,
    universe: str | Sequence[str] | None = None,
    db: str | Path | None = None,
) -> pd.DataFrame:
    """One market-day verdict per (benchmark, session)."""
    with _desk(db) as desk:
        return desk.scan(start, end, universe=universe).market


def companies_frame(query: str, *, limit: int = 20, registry: Registry | None = None) -> pd.DataFrame:
    """Companies matching a name, alias or ticker: an exact alias first, then substring matches."""
    reg = registry or default_registry()
    found = []
    with contextlib.suppress(UnknownCompany):  # an exact miss is fine: fall back to search
        found.append(reg.lookup(query))
    for company in reg.search(query, limit=limit):
        if all(company.id != c.id for c in found):
            found.append(company)
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "short_name": c.short_name,
            "sector": c.sector,
            "is_index": c.is_index,
            "listings": ", ".join(x.symbol for x in c.listings),
            "mics": ", ".join(x.mic for x in c.listings),
            "limit_rules": ", ".join(x.limit_rule for x in c.listings),
            "benchmarks": ", ".join(x.benchmarks[0] if x.benchmarks else "" for x in c.listings),
        }
        for c in found[:limit]
    ]
    columns = ["id", "name", "short_name", "sector", "is_index", "listings", "mics", "limit_rules", "benchmarks"]
    return pd.DataFrame(rows, columns=columns)
