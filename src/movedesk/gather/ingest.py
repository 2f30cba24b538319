"""Ingest news from paths and URLs: read → normalise → de-duplicate → store, in atomic batches.

>>> from movedesk.demo import demo_data
>>> from movedesk.store import open_store
>>> report = ingest_news(open_store(":memory:"), [demo_data() / "news"])
>>> (report.new, report.duplicates, report.rejected)
(7, 0, [])

What each input becomes is chosen by :func:`iter_items`: a folder is walked; a path by its suffix (feed,
HTML page, bulk JSONL/CSV/Parquet, front-matter text); a URL by what it serves (feed or page). Every item
is an :class:`~movedesk.models.Article` or a :class:`~movedesk.gather.normalise.Rejection` with a reason.
Parquet files take the column-wise path (:mod:`movedesk.gather.columnar`): each record batch becomes an
Arrow table of articles with their fingerprints, with the values the per-row path gives, and batches are
de-duplicated and written as tables (:meth:`Ingestor.process_table`), without an object per row.

De-duplication (:mod:`movedesk.gather.dedup`): within each batch, items are taken earliest-published
first. An item whose normalised text matches a stored article exactly, or whose MinHash is within the
near-duplicate threshold of one published within a week of it, is recorded as a *member* of that
article's cluster (a syndicated copy or an update) and not stored again. If it was published earlier
than the stored article, it takes its place as the cluster's original, and the later one becomes the
member. Every batch is written in one transaction, so a run killed at any point and run again ends with
exactly the articles of one clean run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from movedesk.errors import MovedeskError
from movedesk.gather import columnar
from movedesk.gather.dedup import WINDOW, BandIndex, Fingerprints, NearDupIndex, fingerprints, prepare
from movedesk.gather.documents import SUFFIX_KIND, is_url, kind_for, load_document, looks_like_feed, looks_like_html
from movedesk.gather.fetch import Fetcher
from movedesk.gather.language import is_chinese
from movedesk.gather.normalise import BuildOptions, Rejection
from movedesk.models import Article
from movedesk.plugins import NEWS_SOURCES, load
from movedesk.store import Store, UpsertReport
from movedesk.store.arrow import ARTICLE_SCHEMA, articles_table

log = logging.getLogger(__name__)

BATCH_SIZE = 2_000

TableSource = Callable[[Path, BuildOptions, dict[str, str] | None], Iterable[tuple[pa.Table, int, list[Rejection]]]]


@dataclass
class IngestReport(UpsertReport):
    """An ingest's outcome: ``new`` articles stored, ``unchanged`` already known, ``duplicates`` recorded
    as members of an existing cluster, ``rejected`` with reasons, and feed-level ``warnings``."""

    duplicates: int = 0
    not_modified: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    #: stored ids (of this run or earlier) that left the articles table: an earlier-published copy replaced them
    demoted_ids: list[str] = field(default_factory=list)

    def merge(self, other: UpsertReport) -> IngestReport:
        merged = IngestReport(
            self.new + other.new,
            self.unchanged + other.unchanged,
            self.updated + other.updated,
            self.rejected + other.rejected,
        )
        if isinstance(other, IngestReport):
            merged.duplicates = self.duplicates + other.duplicates
            merged.not_modified = self.not_modified + other.not_modified
            merged.warnings = self.warnings + other.warnings
            merged.new_ids = self.new_ids + other.new_ids
            merged.demoted_ids = self.demoted_ids + other.demoted_ids
        else:
            merged.duplicates, merged.not_modified = self.duplicates, self.not_modified
            merged.warnings, merged.new_ids = list(self.warnings), list(self.new_ids)
            merged.demoted_ids = list(self.demoted_ids)
        return merged

    def rejection_reasons(self) -> dict[str, int]:
        """How many items were rejected for each reason (file- and row-specific parts stripped)."""
        counts: dict[str, int] = {}
        for _ref, reason in self.rejected:
            key = _reason_kind(reason)
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "unchanged": self.unchanged,
            "not_modified": self.not_modified,
            "rejected": [{"ref": r, "reason": why} for r, why in self.rejected],
            "rejection_reasons": self.rejection_reasons(),
            "warnings": [{"ref": r, "warning": w} for r, w in self.warnings],
        }


def _reason_kind(reason: str) -> str:
    text = re.sub(r"\[W\d+\]\s*", "", reason)
    text = re.sub(r"(https?://|/)\S+", "…", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}T[\d:+.-]+", "…", text)
    text = re.sub(r"[\d,]{3,}", "N", text)
    return text.split(" — ")[0].strip()[:120]


@dataclass
class Progress:
    """Sent to the progress callback after each batch is committed (and once per input started)."""

    query: str
    items: int
    batches: int
    report: IngestReport


@dataclass
class IngestOptions:
    """How to read and de-duplicate; ``default_tz`` is the zone of times that carry none."""

    allow_private: bool = False
    default_tz: str | None = None
    source: str | None = None
    language: str | None = None
    column_map: dict[str, str] | None = None
    near_dup_threshold: float = 0.8
    window: dt.timedelta = WINDOW
    batch_size: int = BATCH_SIZE
    #: 2 or more: Parquet files are read, cleaned and fingerprinted by a second process while this one
    #: de-duplicates and writes (other bulk files: by that many worker processes, see ``BulkSource``).
    workers: int = 1
    #: Parquet files through the column-wise builder, the others through the per-row one, and the batch
    #: LSH index :class:`~movedesk.gather.dedup.BandIndex` (the same results as the per-row builder for
    #: every file and datasketch's MinHashLSH, which ``fast=False`` uses).
    fast: bool = True
    fetcher: Fetcher | None = None
    progress: Callable[[Progress], None] | None = None
    #: Where a Parquet file's article tables come from: a callable like ``BulkSource.table_stream`` (path,
    #: build options, column map → (table with fingerprints, rows read, rejections) per record batch, in
    #: file order). None builds them here; a scheduler passes what its workers built
    #: (``movedesk.jobs.distributed``). The run de-duplicates and writes them here either way.
    tables: TableSource | None = None


def source_class(kind: str) -> Any:
    """The news source class registered as ``kind`` (through the plugin door, not an import of providers)."""
    return load(NEWS_SOURCES, kind)


def iter_items(
    query: str | Path,
    *,
    options: BuildOptions,
    fetcher: Fetcher | None = None,
    column_map: dict[str, str] | None = None,
    warnings: list[tuple[str, str]] | None = None,
    workers: int = 1,
    not_modified: list[str] | None = None,
    fast: bool = True,
) -> Iterator[Article | Rejection]:
    """Articles and rejections from one path, folder or URL; failures become rejections, never raise.

    URLs that answer 304 Not Modified yield nothing and are appended to ``not_modified``.
    """
    ref = str(query)
    try:
        if is_url(ref):
            doc = load_document(ref, fetcher)
            if doc.not_modified:
                if not_modified is not None:
                    not_modified.append(ref)
                return
            if looks_like_feed(doc.text, doc.content_type):
                feed = source_class("feed")(fetcher=fetcher, options=options)
                yield from feed.items(doc)
                if warnings is not None:
                    warnings.extend(feed.warnings)
            elif looks_like_html(doc.text, doc.content_type) or "<" in doc.text[:2000]:
                yield from source_class("web")(fetcher=fetcher, options=options).items(doc)
            else:
                yield Rejection(ref, f"{ref} is neither a feed nor an HTML page ({doc.content_type or 'no type'})")
            return
        path = Path(query)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_KIND):
                yield from iter_items(
                    child, options=options, fetcher=fetcher, column_map=column_map, warnings=warnings, workers=workers,
                    fast=fast,
                )
            return
        if not path.exists():
            yield Rejection(ref, f"{path} does not exist")
            return
        kind = kind_for(path) or _sniff(path)
        if kind == "bulk":
            bulk = source_class("bulk")(options=options, column_map=column_map, workers=workers, fast=fast)
            yield from bulk.items(bulk.fetch(path))
        elif kind in ("feed", "web"):
            source = source_class(kind)(fetcher=fetcher, options=options)
            yield from source.items(source.fetch(path))
            if warnings is not None and kind == "feed":
                warnings.extend(source.warnings)
        else:
            text_source = source_class("frontmatter")(options=options)
            yield from text_source.items(text_source.fetch(path))
    except (MovedeskError, OSError, UnicodeError) as exc:
        yield Rejection(ref, exc.message if isinstance(exc, MovedeskError) else f"{type(exc).__name__}: {exc}")


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(2048).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"par1"):
        return "bulk"
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")):
        return "web"
    if head.startswith((b"{", b"[")):
        return "bulk"
    return "frontmatter"


class _Intervals:
    """Time ranges whose stored originals are already in the index."""

    def __init__(self) -> None:
        self.spans: list[tuple[dt.datetime, dt.datetime]] = []

    def missing(self, lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        gaps, cursor = [], lo
        for a, b in sorted(self.spans):
            if b < cursor:
                continue
            if a > hi:
                break
            if a > cursor:
                gaps.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < hi:
            gaps.append((cursor, hi))
        return gaps

    def cut(self, before: dt.datetime) -> None:
        """Forget that anything before ``before`` is loaded."""
        self.spans = [(max(a, before), b) for a, b in self.spans if b > before]

    def add(self, lo: dt.datetime, hi: dt.datetime) -> None:
        spans = sorted([*self.spans, (lo, hi)])
        merged: list[tuple[dt.datetime, dt.datetime]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        self.spans = merged


class Ingestor:
    """One ingest run over a store: keeps the de-duplication index between batches."""

    #: ids the run remembers before it first forgets the ones older than the near-duplicate window
    FORGET_MIN = 50_000

    def __init__(self, store: Store, options: IngestOptions | None = None) -> None:
        self.store = store
        self.options = options or IngestOptions()
        index_class = BandIndex if self.options.fast else NearDupIndex
        self.index: NearDupIndex = index_class(self.options.near_dup_threshold, self.options.window)
        self.exact: dict[str, tuple[str, dt.datetime, str]] = {}  # text hash -> (id, published, cluster)
        self.hash_of: dict[str, str] = {}  # original id -> its text hash
        self.seen: dict[str, dt.datetime] = {}  # ids handled in this run (originals and members), published
        self._kept = 0  # entries left by the last _forget (it runs again once they have doubled)
        self.loaded = _Intervals()
        self.report = IngestReport()
        self.unmodified: list[str] = []  # URLs that answered 304
        self.items = 0
        self.batches = 0
        self._writer: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[int], str] | None = None  # the batch being written, and its input

    def run(self, queries: Iterable[str | Path]) -> IngestReport:
        opts = self.options
        own_fetcher = opts.fetcher is None
        fetcher = opts.fetcher or Fetcher(allow_private=opts.allow_private, cache=self.store)
        build = BuildOptions(opts.default_tz, opts.source, opts.language, dt.datetime.now(dt.UTC))
        bulk_writes = getattr(self.store, "bulk_news_writes", None)
        try:
            with bulk_writes() if bulk_writes is not None else contextlib.nullcontext():
                self._run(queries, build, fetcher)
        finally:
            if own_fetcher:
                fetcher.close()
        return self.report

    def _run(self, queries: Iterable[str | Path], build: BuildOptions, fetcher: Fetcher) -> None:
        opts = self.options
        for query in _expand(queries):
            batch: list[Article] = []
            if opts.progress:
                opts.progress(Progress(str(query), self.items, self.batches, self.report))
            if opts.fast and _is_parquet(query):
                self._run_columnar(Path(query), build)
                continue
            for item in iter_items(
                query,
                options=build,
                fetcher=fetcher,
                column_map=opts.column_map,
                warnings=self.report.warnings,
                workers=opts.workers,
                not_modified=self.unmodified,
                fast=opts.fast,
            ):
                self.items += 1
                if isinstance(item, Rejection):
                    self.report.rejected.append((item.ref, item.reason))
                    continue
                batch.append(item)
                if len(batch) >= opts.batch_size:
                    self._commit(batch, str(query))
                    batch = []
            if batch:
                self._commit(batch, str(query))
            self.report.not_modified = len(self.unmodified)

    def _commit(self, batch: list[Article] | pa.Table, query: str) -> None:
        if isinstance(batch, pa.Table):
            self.process_table(batch)
        else:
            self.process(batch)
        self.batches += 1
        if self.options.progress:
            self.options.progress(Progress(query, self.items, self.batches, self.report))

    def _run_columnar(self, path: Path, build: BuildOptions) -> None:
        """A Parquet file record batch by record batch through :func:`columnar.build_table`, committed every
        ``batch_size`` articles in file order, as the per-row path does. With ``workers`` > 1 the tables
        are built and fingerprinted by a second process, a few record batches ahead, while this one
        de-duplicates and writes (it pays on an idle multi-core machine)."""
        ref = str(path)
        pending: list[pa.Table] = []
        count = 0
        if self.options.tables is not None:
            tables = self.options.tables(path, build, self.options.column_map)
        else:
            bulk = source_class("bulk")
            tables = bulk.table_stream(path, build, self.options.column_map, workers=self.options.workers)
        # Each batch's transaction runs in a writer thread while the next record batch is built (DuckDB
        # lets go of the GIL); every store access waits for it first (see _settle).
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="movedesk-news-writer")
        try:
            for table, rows, rejected in tables:
                self.items += rows
                self.report.rejected.extend((r.ref, r.reason) for r in rejected)
                pending.append(table)
                count += table.num_rows
                while count >= self.options.batch_size:
                    whole = pa.concat_tables(pending)
                    self.process_table(whole.slice(0, self.options.batch_size), ref)
                    rest = whole.slice(self.options.batch_size)
                    pending, count = [rest], rest.num_rows
            if count:
                self.process_table(pa.concat_tables(pending), ref)
        finally:
            try:
                self._settle()
            finally:
                self._writer.shutdown(wait=True)
                self._writer = None

    def _settle(self) -> None:
        """Wait for the batch being written (if any), count it, and report progress."""
        if self._pending is None:
            return
        future, query = self._pending
        self._pending = None
        self.report.new += int(future.result())
        self.batches += 1
        if self.options.progress:
            self.options.progress(Progress(query, self.items, self.batches, self.report))

    # -- one batch -------------------------------------------------------------------------------------
    def process(self, batch: Sequence[Article]) -> None:
        """De-duplicate one batch against the store and the run so far, and write it in one transaction."""
        self.process_table(articles_table(batch))

    def process_table(self, batch: pa.Table, query: str | None = None) -> None:
        """:meth:`process` of a batch given as a table with :data:`~movedesk.store.arrow.ARTICLE_SCHEMA`.

        Within a bulk file's run (a writer thread is set), the batch's transaction is handed to the writer
        and ``query`` is what its progress report names; the next store access waits for it.
        """
        self._settle()
        ids: list[str] = batch.column("id").to_pylist()
        first: dict[str, int] = {}
        for pos, key in enumerate(ids):
            first.setdefault(key, pos)
        candidates = [i for i in first if i not in self.seen]
        known = self.store.known_news_ids(candidates) | (set(first) - set(candidates))
        stamps = batch.column("published").to_pylist()
        order = sorted((p for i, p in first.items() if i not in known), key=lambda p: (stamps[p], ids[p]))
        self.report.unchanged += batch.num_rows - len(order)
        if not order:
            return
        take = pa.array(order, pa.int64())  # the rows are taken (copied) once, when stored
        f_ids = [ids[p] for p in order]
        f_pub: list[dt.datetime] = [stamps[p].astimezone(dt.UTC) for p in order]
        if "_signature" in batch.column_names:  # taken with the rows (see _run_columnar)
            prints = columnar.attached_fingerprints(batch, order)
        else:
            prints = columnar.text_fingerprints(batch.select(["title", "body", "language"]).take(take))
        bands = self.index.batch_bands(prints)
        self._load_window(f_pub[0] - self.options.window, f_pub[-1] + self.options.window)
        if isinstance(self.index, BandIndex):
            micros = pc.cast(batch.column("published").take(take), pa.int64()).to_numpy()
            near_match = self.index.matcher(f_pub, prints.signatures, f_ids, bands, micros=micros)
        else:
            near_match = self.index.matcher(f_pub, prints.signatures, f_ids, bands)
        lookup = [h for h in set(prints.exact) if h not in self.exact]
        for h, stored_hit in self.store.originals_by_hash(lookup).items():
            self.exact.setdefault(h, stored_hit)
        rows = _Rows(batch, order, f_pub)

        originals: dict[str, int] = {}  # original id -> its row in ``fresh``
        clusters: dict[str, str] = {}  # original id -> its cluster id (set when written)
        new_prints: dict[str, tuple[str, str, dt.datetime]] = {}
        members: list[dict[str, Any]] = []
        demoted: list[str] = []
        reassign: list[tuple[str, str]] = []
        for i, (key, published) in enumerate(zip(f_ids, f_pub, strict=True)):
            self.seen[key] = published
            h, sig, band = prints.exact[i], prints.signatures[i], bands[i]
            match: tuple[str, dt.datetime, str, str, float] | None = None
            hit = self.exact.get(h)
            if hit is not None:
                match = (hit[0], hit[1], hit[2], "exact", 1.0)
            else:
                near = near_match(i)
                if near is not None:
                    found = near[0]
                    match = (found, self.index.published_of(found), self.index.cluster_of(found), "near", near[1])
            if match is None:
                originals[key] = i
                clusters[key] = key
                new_prints[key] = (key, h, published)
                self.index.add(key, published, sig, key, band)
                self.exact[h] = (key, published, key)
                self.hash_of[key] = h
                continue
            orig_id, orig_published, cluster, relation, sim = match
            self.report.duplicates += 1
            if published >= orig_published:
                members.append(rows.member(i, cluster, orig_id, relation, sim))
                continue
            # The newcomer was published earlier: it becomes the cluster's original.
            old = originals.pop(orig_id, None)
            clusters.pop(orig_id, None)
            if old is None:
                stored_old = self.store.article(orig_id)
                demoted.append(orig_id)
                if stored_old is not None:
                    members.append(_member(stored_old, cluster, key, relation, sim))
            else:
                new_prints.pop(orig_id, None)
                members.append(rows.member(old, cluster, key, relation, sim))
            originals[key] = i
            clusters[key] = cluster
            new_prints[key] = (key, h, published)
            self.index.remove(orig_id)
            self.index.add(key, published, sig, cluster, band)
            old_hash = self.hash_of.pop(orig_id, h)
            for k in {h, old_hash}:
                self.exact[k] = (key, published, cluster)
            self.hash_of[key] = h
            reassign.append((cluster, key))
        stored = batch.select(ARTICLE_SCHEMA.names).take(
            pa.array([order[i] for i in originals.values()], pa.int64())
        )
        stored = stored.set_column(
            stored.schema.get_field_index("cluster_id"),
            "cluster_id",
            pa.array([clusters[k] for k in originals], pa.string()),
        )
        write_arrow = getattr(self.store, "write_news_arrow", None)
        prints_rows = list(new_prints.values())
        if write_arrow is not None and self._writer is not None and query is not None:
            self._pending = (
                self._writer.submit(write_arrow, stored, prints_rows, members, demoted=demoted, reassign=reassign),
                query,
            )
        elif write_arrow is not None:
            self.report.new += int(write_arrow(stored, prints_rows, members, demoted=demoted, reassign=reassign))
        else:
            self.report.new += self.store.write_news_batch(
                columnar.table_articles(stored), prints_rows, members, demoted=demoted, reassign=reassign
            )
        self.report.new_ids.extend(originals)
        self.report.demoted_ids.extend(demoted)
        # Inputs usually run forward in time: keep the index to what newer items can still match.
        horizon = f_pub[0] - 2 * self.options.window
        if self.index.prune(horizon):
            self.loaded.cut(horizon)
        self._forget(horizon)

    def _forget(self, horizon: dt.datetime) -> None:
        """Drop the run's memory of items published before ``horizon``, so memory stays flat however long
        the input: an id seen again, or an exact copy of an older text, is then found in the store (its
        batch is committed), as it is in a later run. Amortised: a pass runs once the entries doubled."""
        if len(self.seen) < max(2 * self._kept, self.FORGET_MIN):
            return
        self.seen = {k: p for k, p in self.seen.items() if p >= horizon}
        self.exact = {h: hit for h, hit in self.exact.items() if hit[1] >= horizon}
        self.hash_of = {k: h for k, h in self.hash_of.items() if k in self.seen}
        self._kept = len(self.seen)

    def _load_window(self, lo: dt.datetime, hi: dt.datetime) -> None:
        """Index the stored originals published in [lo, hi] that the index does not have yet."""
        for a, b in self.loaded.missing(lo, hi):
            rows = [r for r in self.store.news_originals_between(a, b) if r[0] not in self.index]
            self.loaded.add(a, b)
            if not rows:
                continue
            prints: Fingerprints = fingerprints(
                [prepare(title, body, cjk=is_chinese(lang)) for _i, title, body, lang, _p, _c in rows]
            )
            bands = self.index.batch_bands(prints)
            for j, (aid, _t, _b, _l, published, cluster) in enumerate(rows):
                self.index.add(aid, published, prints.signatures[j], cluster, bands[j])
                self.exact.setdefault(prints.exact[j], (aid, published, cluster))
                self.hash_of.setdefault(aid, prints.exact[j])


class _Rows:
    """Row access to a batch table for the few rows that become duplicate records."""

    def __init__(self, table: pa.Table, order: list[int], published: list[dt.datetime]) -> None:
        self.table = table
        self.order = order  # row i of the batch is row order[i] of the table
        self.published = published

    def _col(self, name: str) -> Any:
        return self.table.column(name)

    def member(self, i: int, cluster: str, original: str, relation: str, sim: float) -> dict[str, Any]:
        j = self.order[i]
        return {
            "member_id": self._col("id")[j].as_py(),
            "cluster_id": cluster,
            "original_id": original,
            "relation": relation,
            "similarity": round(sim, 4),
            "source": self._col("source")[j].as_py(),
            "url": self._col("url")[j].as_py(),
            "title": self._col("title")[j].as_py(),
            "published": self.published[i],
            "first_seen": self._col("first_seen")[j].as_py().astimezone(dt.UTC),
        }


def _expand(queries: Iterable[str | Path]) -> Iterator[str | Path]:
    """Folders as the files in them that :func:`iter_items` would read, in its order; the rest as given."""
    for query in queries:
        if not (isinstance(query, str) and is_url(query)) and Path(query).is_dir():
            yield from sorted(p for p in Path(query).rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_KIND)
        else:
            yield query


def _is_parquet(query: str | Path) -> bool:
    if isinstance(query, str) and is_url(query):
        return False
    path = Path(query)
    return path.suffix.lower() in (".parquet", ".pq") and path.is_file()


def _member(a: Article, cluster: str, original: str, relation: str, sim: float) -> dict[str, Any]:
    return {
        "member_id": a.id,
        "cluster_id": cluster,
        "original_id": original,
        "relation": relation,
        "similarity": round(sim, 4),
        "source": a.source,
        "url": a.url,
        "title": a.title,
        "published": a.published,
        "first_seen": a.first_seen,
    }


def ingest(store: Store, queries: Iterable[str | Path], options: IngestOptions | None = None) -> IngestReport:
    """Ingest paths, folders and URLs into ``store``; see the module docstring."""
    return Ingestor(store, options).run(queries)


def ingest_news(store: Store, paths: Iterable[str | Path], **options: Any) -> IngestReport:
    """Compatibility entry point (``Desk.ingest_news``); keyword options are :class:`IngestOptions` fields."""
    return ingest(store, paths, IngestOptions(**options))
