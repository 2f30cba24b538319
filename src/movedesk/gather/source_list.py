"""The desk's own list of news sources, kept in the store: seeded from the shipped list on first use, then
changed only by the user (``add``/``remove``). A removed source keeps a row marked removed, so a shipped
source the user removed stays removed when the shipped list is seeded again (new shipped sources are added)."""

from __future__ import annotations

from typing import Any

from movedesk.errors import ConfigError, UnknownProvider
from movedesk.gather.sources import COLUMNS, Source, make_source, shipped_sources
from movedesk.store.base import SourceStore


def source_row(source: Source) -> dict[str, Any]:
    """The stored form of a source."""
    row = source.to_dict()
    return {key: row[key] for key in (*COLUMNS, "origin")}


def source_from_row(row: dict[str, Any]) -> Source:
    return Source(
        name=row["name"], kind=row["kind"], url=row["url"], language=row["language"], timezone=row["timezone"],
        interval_minutes=int(row["interval_minutes"]), markets=tuple(row["markets"] or ()),
        rate_per_second=row["rate_per_second"], targets=tuple(row["targets"] or ()), enabled=bool(row["enabled"]),
        licence=row["licence"] or "", verified=row["verified"] or "", origin=row["origin"],
    )  # fmt: skip


def seed(store: SourceStore) -> int:
    """Add the shipped sources the desk has never had; returns how many were added."""
    return store.seed_sources([source_row(s) for s in shipped_sources()])


def list_sources(store: SourceStore, *, include_removed: bool = False) -> list[Source]:
    """The desk's sources by name (seeding first)."""
    seed(store)
    return [source_from_row(r) for r in store.source_rows(include_removed=include_removed)]


def get_source(store: SourceStore, name: str) -> Source:
    """The desk's source ``name``, or UnknownProvider listing the names there are."""
    sources = {s.name: s for s in list_sources(store)}
    if name not in sources:
        names = ", ".join(sorted(sources)[:12]) or "none"
        raise UnknownProvider(
            f"no news source {name!r} in this desk's list (it has: {names})",
            hint="list them with `movedesk sources list`, or add one with `movedesk sources add NAME URL`",
        )
    return sources[name]


def add_source(store: SourceStore, name: str, url: str, *, replace: bool = False, **fields: Any) -> Source:
    """Add a user source (validated; see :func:`~movedesk.gather.sources.make_source` for the fields)."""
    source = make_source(name, url, origin="user", **fields)
    current = {s.name for s in list_sources(store)}
    if source.name in current and not replace:
        raise ConfigError(
            f"the desk already has a source {source.name!r}",
            hint="choose another name, or pass --replace to change it",
        )
    store.put_source(source_row(source))
    return source


def remove_source(store: SourceStore, name: str) -> Source:
    """Remove a source from the desk's list (a shipped one stays removed); returns what was removed."""
    source = get_source(store, name)
    store.remove_source_row(name)
    return source
