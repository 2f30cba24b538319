"""The registry as a frame, for the ``companies`` verb (moves and scans are ``Desk`` methods).

>>> from movedesk.detect.api import companies_frame
>>> companies_frame("smic").loc[0, "id"]
'SMIC'
"""

from __future__ import annotations

import contextlib

import pandas as pd

from movedesk.errors import UnknownCompany
from movedesk.registry import Registry, default_registry


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
