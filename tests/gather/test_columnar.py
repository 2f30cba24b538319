"""The column-wise bulk builder gives, row for row, what build_article gives; its pieces match their per-row
counterparts (text cleaning, relay prefilter, fingerprints from buffers, the batch LSH matcher)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from movedesk.errors import MovedeskError
from movedesk.gather import columnar, dedup
from movedesk.gather.ingest import IngestOptions, ingest
from movedesk.gather.normalise import BuildOptions, Rejection, build_article, clean_text
from movedesk.gather.provenance import extract_relays, relay_cue_pattern
from movedesk.models import Article
from movedesk.providers.news.bulk import resolve_columns
from movedesk.store import open_store
from movedesk.store.arrow import articles_table

SEEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
SCHEMA = pa.schema(
    [("title", pa.string()), ("body", pa.string()), ("url", pa.string()), ("published", pa.timestamp("ms", tz="UTC")),
     ("source", pa.string()), ("author", pa.string()), ("tickers", pa.list_(pa.string()))]
)


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _row(title: Any, body: Any, n: int, **extra: Any) -> dict[str, Any]:
    row = {"title": title, "body": body, "url": f"https://wire.example/a/{n}", "published": _utc(2024, 5, 6, 9, n % 60),
           "source": "Wire A", "author": None, "tickers": None}
    row.update(extra)
    return row


def _awkward_rows() -> list[dict[str, Any]]:
    """Rows for every branch of the column builder, and of its hand-offs to build_article."""
    rows = [
        _row("  Plain   title  ", "First paragraph.  \n  \n\n  Second   paragraph.\n\n\n\nThird.   ", 1),
        _row("Title\nover\n\nlines", "\n\n  leading and trailing  \n\n", 2),
        _row("Only one", "a \n b \n\n c  \n  \n  \n d", 3),
        _row("Entities &amp; more", "AT&T and S&P 500 rose &gt; 2% &mdash; a lot&nbsp;today.", 4),
        _row("Tabs\tand\rreturns", "Body\twith\ttabs\r\nand CRLF\r\n\r\nlines.", 5),
        _row("Unicode title é", "Caf\u00e9 body \u2003 with odd spaces.", 6),
        _row("Empty body", None, 7),
        _row("   ", "Title comes from the first line\nand the rest stays.", 8),
        _row(None, "\n\n   \n", 9),  # no title and no text: rejected
        _row("No link", "An item without a link.", 10, url=None),
        _row("Bad link", "An item with a relative link.", 11, url="/relative/path"),
        _row("Odd link", "Upper-case host and tracking.", 12, url="HTTPS://Wire.Example/x/?utm_source=a&b=1"),
        _row("Too old", "Before 1990.", 13, published=_utc(1985, 1, 1)),
        _row("Too new", "Far in the future.", 14, published=_utc(2999, 1, 1)),
        _row("No time", "No publish time at all.", 15, published=None),
        _row("Authors", "Several authors.", 16, author="Jane Roe and John Doe; Max Mustermann"),
        _row("One author", "A single author with spaces.", 17, author="  Jane Roe  "),
        _row("Tickers", "With tickers.", 18, tickers=["EXS.N", None, "EXS.O"]),
        _row("Relays", "Orders rose, as reported by the Wall Street Journal. The CFO told Reuters so.", 19),
        _row("Relay after", "The Financial Times reported on Monday that orders rose; Bloomberg data showed it.", 20),
        _row("Own outlet", "Shares rose, Wire A reported, citing the FT.", 21),
        _row("据华尔街日报报道", "中芯国际股价周一上涨。", 22),
        _row("x" * 1_200, "A title over the length limit.", 23),
        _row("Long body", "word " * 50_000, 24),
        _row("Very long body", ("para " * 30 + "\n\n") * 3_000, 25),
        _row("Digits only 12345", "678 910", 26),
        _row("!!!", "??? ...", 27),
        _row("Source", "Source with spaces.", 28, source="  Wire B  "),
        _row("No source", "No source at all.", 29, source=None),
        _row("Blank source", "Blank source.", 30, source="   "),
    ]
    rows.append(dict(rows[0]))  # the same URL again
    return rows


def _expected(batch: pa.RecordBatch, columns: dict[str, str], options: BuildOptions) -> list[Article | Rejection]:
    raw = {field: batch.column(col).to_pylist() for field, col in columns.items()}
    out: list[Article | Rejection] = []
    for i in range(batch.num_rows):
        try:
            out.append(build_article(**{f: v[i] for f, v in raw.items()}, options=options))
        except MovedeskError as exc:
            out.append(Rejection(f"ref:{i + 1}", exc.message))
    return out


def _assert_builds_like_build_article(table: pa.Table) -> list[Article]:
    options = BuildOptions(first_seen=SEEN)
    batch = table.combine_chunks().to_batches()[0]
    columns = resolve_columns(batch.schema.names)
    assert columnar.fits(batch, columns, options)
    built, rejected = columnar.build_table(batch, columns, options, "ref", 0)
    expected = _expected(batch, columns, options)
    assert rejected == [x for x in expected if isinstance(x, Rejection)]
    want = [x for x in expected if isinstance(x, Article)]
    got = columnar.table_articles(built)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.model_dump() == b.model_dump()
    return got


def test_awkward_rows_build_like_build_article() -> None:
    table = pa.Table.from_pylist(_awkward_rows(), schema=SCHEMA)
    got = _assert_builds_like_build_article(table)
    by_url = {a.url: a for a in got}
    assert by_url["https://wire.example/a/1"].body == "First paragraph.\n\nSecond paragraph.\n\nThird."
    assert by_url["https://wire.example/a/4"].title == "Entities & more"
    assert by_url["https://wire.example/a/19"].relays == ("The Wall Street Journal", "Reuters")
    assert by_url["https://wire.example/a/21"].relays == ("Financial Times",)
    assert by_url["https://wire.example/a/22"].relays == ("The Wall Street Journal",)
    assert by_url["https://wire.example/a/23"].title == "x" * 1_000  # cut, not rejected
    assert len(got) == len(_awkward_rows()) - 3  # no text, too old, too new


def test_reuters_rows_build_like_build_article(shared_dir: Path) -> None:
    table = pq.read_table(shared_dir / "data" / "news" / "reuters_2006_2013.parquet")
    # hard-wrapped 2006-2008 bodies, later single-line ones, and the empty bodies of 2012-2013
    sample = pa.concat_tables([table.slice(1_000, 700), table.slice(40_000, 700), table.slice(80_000, 700)])
    got = _assert_builds_like_build_article(sample)
    assert sum(1 for a in got if a.relays) > 10  # the relay scan did run on this sample


def test_clean_plain_equals_clean_text() -> None:
    rng = random.Random(5)
    pieces = ["a", "bc", " ", "  ", "\n", "\n\n", " \n ", "\n \n", "x.", "   \n\n\n  "]
    texts = ["", " ", "\n", "  \n  ", "abc", " abc", "abc ", "\nabc\n"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(2_000)]
    arr = pa.array(texts, pa.large_string())
    bodies = columnar._clean_plain(arr, paragraphs=True).to_pylist()
    titles = columnar._clean_plain(arr, paragraphs=False).to_pylist()
    assert bodies == [clean_text(t) for t in texts]
    assert titles == [" ".join(clean_text(t).split()) for t in texts]
    # a slice (non-zero array offset) too
    assert columnar._clean_plain(arr.slice(100, 50), paragraphs=True).to_pylist() == bodies[100:150]


RELAY_PHRASES = [
    "as reported by the Wall Street Journal", "as first reported earlier by WSJ", "reported in the Financial Times",
    "according to Bloomberg News", "according to a report by the New York Times", "according to the FT",
    "citing the Wall Street Journal", "citing a report in Nikkei", "a report published by Caixin",
    "the story in the Washington Post", "he told Bloomberg", "she told the FT", "tells CNBC",
    "speaking to the Financial Times", "in comments to Reuters", "per the WSJ", "via Axios",
    "quoted by Xinhua", "the Wall Street Journal reported", "Bloomberg News reported", "the FT's report",
    "the Wall Street Journal's exclusive report", "the Journal, citing", "Nikkei Asia said", "CNBC's interview",
    "The Information first reported", "AP, quoting", "Dow Jones Newswires reported",
]


def test_relay_cue_pattern_finds_every_relay() -> None:
    texts = [f"Shares rose on Monday, {p}, and fell later." for p in RELAY_PHRASES]
    texts += [t.upper() for t in texts] + [t.replace(" ", "\n") for t in texts]
    found = [extract_relays(t) for t in texts]
    assert sum(1 for f in found[: len(RELAY_PHRASES)] if f) == len(RELAY_PHRASES) - 1  # all but "the Journal"
    hits = pc.match_substring_regex(pa.array(texts), relay_cue_pattern(())).to_pylist()
    assert all(hit for hit, relays in zip(hits, found, strict=True) if relays)
    # and it is a filter: mentions without a cue do not match
    quiet = ["Bloomberg data showed the FTSE and the Dow Jones industrial average fell."]
    assert pc.match_substring_regex(pa.array(quiet), relay_cue_pattern(())).to_pylist() == [False]


def test_relay_cue_pattern_on_reuters(shared_dir: Path) -> None:
    table = pq.read_table(shared_dir / "data" / "news" / "reuters_2006_2013.parquet", columns=["title", "body"])
    sample = table.slice(30_000, 6_000)
    text = pc.binary_join_element_wise(sample.column("title"), pc.fill_null(sample.column("body"), ""), "\n")
    hits = pc.match_substring_regex(text, relay_cue_pattern(("Reuters",))).to_pylist()
    relayed = [bool(extract_relays(t, exclude=("Reuters",))) for t in text.to_pylist()]
    assert sum(relayed) > 100
    assert all(h for h, r in zip(hits, relayed, strict=True) if r)
    assert sum(hits) < 2 * sum(relayed)  # few texts scanned in vain


def test_fingerprints_from_a_buffer_and_at_a_position() -> None:
    texts = [dedup.prepare("T", "one two three four five"), b"two words", b"", b"single", b"a b c d e f g h"]
    whole = dedup.fingerprints(texts)
    offsets = np.cumsum([0] + [len(t) + 1 for t in texts])
    joined = dedup.fingerprints_joined(b"\n".join(texts) + b"\n", offsets)
    assert joined.exact == whole.exact and (joined.signatures == whole.signatures).all()
    for i, t in enumerate(texts):
        assert (dedup.fingerprint_at(t, i) == whole.signatures[i]).all()
    # a text of fewer words than a shingle has a signature that depends on its place in the batch
    assert not (dedup.fingerprint_at(b"two words", 0) == whole.signatures[1]).all()


def _stored(db: Path) -> dict[str, Any]:
    store = open_store(db)
    try:
        return {
            "articles": store.con.execute(
                "SELECT id, title, body, relays, cluster_id FROM articles ORDER BY id").fetchall(),
            "members": store.con.execute(
                "SELECT member_id, cluster_id, original_id, relation, similarity FROM news_members ORDER BY 1"
            ).fetchall(),
        }
    finally:
        store.close()


def test_background_builder_stores_the_same(tmp_path: Path) -> None:
    rows = _awkward_rows()
    story = "Example Corp shares jumped after the company raised its forecast for the year " * 3
    rows += [_row(f"Story {i}", story + ("again" if i % 2 else ""), 100 + i) for i in range(40)]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    for workers in (1, 2):
        store = open_store(tmp_path / f"w{workers}.duckdb")
        try:
            ingest(store, [path], IngestOptions(workers=workers, batch_size=7))
        finally:
            store.close()
    one, two = _stored(tmp_path / "w1.duckdb"), _stored(tmp_path / "w2.duckdb")
    assert one == two
    assert len(one["members"]) > 10  # the copies of the story were clustered


def test_write_news_arrow_keeps_a_stored_row(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.duckdb")
    try:
        first = build_article(title="Stored", body="Already here.", url="https://wire.example/s/1",
                              published=_utc(2024, 1, 1), options=BuildOptions(first_seen=SEEN))
        again = first.model_copy(update={"title": "Changed"})
        other = build_article(title="New", body="Not stored yet.", url="https://wire.example/s/2",
                              published=_utc(2024, 1, 2), options=BuildOptions(first_seen=SEEN))
        assert store.write_news_arrow(articles_table([first]), [], []) == 1
        # one id is stored already: the batch still lands, and the stored row stays as it was
        assert store.write_news_arrow(articles_table([again, other]), [], []) == 1
        stored = store.article(first.id)
        assert stored is not None and stored.title == "Stored"
        assert store.article(other.id) is not None
    finally:
        store.close()


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_timestamp_units_fit(unit: str) -> None:
    table = pa.table({"title": ["t"], "published": pa.array([_utc(2024, 1, 1)], pa.timestamp(unit, tz="UTC"))})
    batch = table.to_batches()[0]
    assert columnar.fits(batch, resolve_columns(batch.schema.names), BuildOptions())
    naive = pa.table({"title": ["t"], "published": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("ms"))})
    nb = naive.to_batches()[0]
    assert not columnar.fits(nb, resolve_columns(nb.schema.names), BuildOptions())


def test_default_bands_are_datasketchs() -> None:
    from datasketch import MinHashLSH

    for threshold in (0.8,):
        assert dedup._DEFAULT_RANGES[threshold] == tuple(MinHashLSH(threshold=threshold, num_perm=128).hashranges)
    assert dedup._lsh_params.__wrapped__(0.7) == tuple(MinHashLSH(threshold=0.7, num_perm=128).hashranges)


def test_entity_pattern_finds_every_change_unescape_makes() -> None:
    import html
    import re

    rx = re.compile(columnar._entity_pattern())
    rng = random.Random(1)
    pieces = ["&", "amp", ";", "S&P", "AT&T", "&#", "39", "x", "lt", "copy", "ampersand", " ", "T", "P", "nbsp",
              "&#x", "2F", "AElig", "eacute", "q", "\n"]
    changed = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if html.unescape(text) != text:
            changed += 1
            assert rx.search(text), text
    assert changed > 1_000
    assert not rx.search("S&P 500 and AT&T & Co")  # no entity: left alone, no unescape run


def _odd_tables() -> dict[str, pa.Table]:
    t = _utc(2024, 1, 1)
    stamp = pa.timestamp("ms", tz="UTC")
    return {
        "null-typed url": pa.table({"title": ["a b c", "d e f"], "body": ["x y", "z"], "url": pa.nulls(2),
                                    "published": pa.array([t, t], stamp)}),
        "large strings, zone": pa.table({
            "title": pa.array(["T1", "T2"], pa.large_string()), "body": pa.array(["b1", "b2"], pa.large_string()),
            "url": pa.array(["http://a.example/3", "http://a.example/4"], pa.large_string()),
            "published": pa.array([t, t], pa.timestamp("s", tz="Asia/Shanghai"))}),
        "dictionary title, no time": pa.table({
            "title": pa.array(["T1", "T2"]).dictionary_encode(), "body": ["b1", "b2"],
            "url": ["http://a.example/5", "http://a.example/6"], "published": pa.array([t, None], stamp)}),
        "empty": pa.table({"title": pa.array([], pa.string()), "url": pa.array([], pa.string()),
                           "published": pa.array([], stamp)}),
        "lists and language": pa.table({
            "title": ["T"], "body": ["b"], "url": ["http://a.example/7"], "published": pa.array([t], stamp),
            "authors": [["A B", "C"]], "language": ["zh"], "tickers": ["X, Y"]}),
    }


@pytest.mark.parametrize("name", list(_odd_tables()))
def test_odd_parquet_files_store_the_same(tmp_path: Path, name: str) -> None:
    path = tmp_path / "odd.parquet"
    pq.write_table(_odd_tables()[name], path)
    stored = []
    for fast in (True, False):
        store = open_store(tmp_path / f"{fast}.duckdb")
        try:
            report = ingest(store, [path], IngestOptions(fast=fast))
            rows = store.con.execute(
                "SELECT id, source, url, title, body, language, authors, relays, tickers, published_inferred, "
                "CASE WHEN published_inferred THEN NULL ELSE published END FROM articles ORDER BY id"
            ).fetchall()
            stored.append((report.new, report.rejected, rows))
        finally:
            store.close()
    assert stored[0] == stored[1]


def test_body_only_parquet_takes_titles_from_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bodies.parquet"
    pq.write_table(pa.table({"body": ["Line one\nLine two", "Other line\nmore"],
                             "url": ["http://a.example/1", "http://a.example/2"],
                             "published": pa.array([_utc(2024, 1, 1)] * 2, pa.timestamp("us", tz="UTC"))}), path)
    store = open_store(tmp_path / "s.duckdb")
    try:
        report = ingest(store, [path])
        titles = sorted(r[0] for r in store.con.execute("SELECT title FROM articles").fetchall())
    finally:
        store.close()
    assert (report.new, report.rejected) == (2, [])
    assert titles == ["Line one", "Other line"]


def test_unreadable_parquet_is_rejected_with_a_reason(tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pylist(_awkward_rows()[:3], schema=SCHEMA), good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])  # cut in half
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    store = open_store(tmp_path / "s.duckdb")
    try:
        report = ingest(store, [bad, empty, good])
    finally:
        store.close()
    reasons = dict(report.rejected)
    assert "cannot read" in reasons[str(bad)]
    assert "empty" in reasons[str(empty)]
    assert report.new == 3  # the readable file still lands
