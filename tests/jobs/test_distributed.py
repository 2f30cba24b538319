"""Dask distributed (issue 17) on a real LocalCluster of 2 worker processes: the partitioned scan and the
archive ingest + extraction give exactly what one process gives, on real data from ../shared."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from movedesk.desk import Desk
from movedesk.detect.partition import partition_bars, scan_partitioned
from movedesk.detect.scan import SP500_PROXY, ScanResult, equal_weight_index, scan_bars
from movedesk.errors import ConfigError
from movedesk.jobs import dask_cluster, distributed
from movedesk.jobs.distributed import client_for, parse_scheduler

pytest.importorskip("distributed", reason='needs Dask: pip install ".[dask]"')


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One LocalCluster (2 worker processes, one thread each) for the whole module."""
    with client_for("local:2") as opened:
        assert opened is not None and distributed.worker_count(opened) == 2
        yield opened


def _bars(path: Path, since: dt.date, until: dt.date, symbols: list[str] | None = None) -> pd.DataFrame:
    filters: list[Any] = [("date", ">=", since), ("date", "<=", until)]
    if symbols:
        filters.append(("symbol", "in", symbols))
    frame = pd.read_parquet(path, filters=filters)
    return frame.rename(columns={"date": "session", "flag": "flags"})


@pytest.fixture(scope="module")
def sp500(shared_dir: Path) -> pd.DataFrame:
    """Every S&P ticker from mid-2006 to March 2008 (the 2008-01 sell-off and its estimation window)."""
    return _bars(shared_dir / "data" / "prices" / "us_sp500.parquet", dt.date(2006, 6, 1), dt.date(2008, 3, 31))


def _same(a: ScanResult, b: ScanResult) -> None:
    assert_frame_equal(a.moves, b.moves)
    assert_frame_equal(a.market, b.market)
    assert_frame_equal(a.gaps, b.gaps)


@pytest.mark.parametrize(("start", "end"), [(dt.date(2008, 1, 23), None), (dt.date(2007, 7, 16), dt.date(2008, 3, 31))])
def test_partitioned_scan_equals_the_whole_panel(sp500: pd.DataFrame, start: dt.date, end: dt.date | None) -> None:
    whole = scan_bars(sp500, start, end, mic="XNYS")  # the proxy built from the whole panel
    parts = partition_bars(sp500, start, end, mic="XNYS", parts=5)
    assert len(parts) == 5 and sum(len(p.symbols) for p in parts) == sp500["symbol"].nunique()
    assert not set(parts[0].symbols) & set(parts[1].symbols)
    split = scan_partitioned(parts)
    _same(whole, split)
    assert len(whole.moves) > 100 and int(whole.market["n"].max()) > 400  # breadth counts every part's listings
    # a part's own breadth is not the panel's: combining summed it back
    assert int(scan_partitioned(parts[:1]).market["n"].max()) < int(whole.market["n"].max())


def test_partitioned_scan_with_a_benchmark_series_and_gaps(shared_dir: Path) -> None:
    """Hong Kong: ^HSI as the benchmark, and half-day placeholder bars that the scan lists as gaps."""
    hk = _bars(shared_dir / "data" / "prices" / "hk.parquet", dt.date(2023, 6, 1), dt.date(2024, 12, 31))
    bench, bars = hk[hk["symbol"] == "^HSI"], hk[hk["symbol"] != "^HSI"]
    start, end = dt.date(2024, 12, 16), dt.date(2024, 12, 31)
    whole = scan_bars(bars, start, end, mic="XHKG", benchmark_bars=bench)
    split = scan_partitioned(partition_bars(bars, start, end, mic="XHKG", parts=3, benchmark_bars=bench))
    _same(whole, split)
    assert (whole.gaps["state"] == "untrusted_bar").sum() > 50 and set(whole.market["benchmark"]) == {"^HSI"}


def test_scan_on_a_local_cluster_is_the_single_process_scan(tmp_path: Path, shared_dir: Path, client: Any) -> None:
    """Two panels (New York on the S&P proxy, Hong Kong on ^HSI with its half-day placeholder bars) scanned
    by the workers, through the Desk."""
    prices = shared_dir / "data" / "prices"
    files = []
    for name in ("us_sp500", "hk"):
        bars = _bars(prices / f"{name}.parquet", dt.date(2023, 6, 1), dt.date(2024, 12, 31))
        files.append(tmp_path / f"{name}.parquet")
        bars.rename(columns={"session": "date", "flags": "flag"}).to_parquet(files[-1])
    with Desk.open(tmp_path / "scan.duckdb") as desk:
        desk.ingest_price_files(files)
        start, end = dt.date(2024, 12, 16), dt.date(2024, 12, 31)
        alone = desk.scan(start, end)
        spread = distributed.scan(desk, start, end, client=client)
        _same(alone, spread)
        assert set(alone.market["benchmark"]) == {SP500_PROXY, "^HSI"} and len(alone.moves) > 50
        assert len(alone.gaps) > 50
        one_day = distributed.scan(desk, dt.date(2024, 12, 20), client=client, universe="sp500", min_z=3.0)
        _same(desk.scan(dt.date(2024, 12, 20), universe="sp500", min_z=3.0), one_day)
        assert distributed.scan(desk, start, end, scheduler=None).moves.equals(alone.moves)  # no Dask at all


def test_equal_weight_proxy_bars_and_partitions_agree(sp500: pd.DataFrame) -> None:
    """The stored proxy as a benchmark series gives the parts the same benchmark the panel's own proxy does."""
    proxy = equal_weight_index(sp500)
    start = dt.date(2008, 1, 22)
    whole = scan_bars(sp500, start, mic="XNYS", benchmark_bars=proxy, benchmark=SP500_PROXY)
    split = scan_partitioned(partition_bars(sp500, start, mic="XNYS", parts=4, benchmark_bars=proxy,
                                            benchmark=SP500_PROXY))  # fmt: skip
    _same(whole, split)


# -- the news archive ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def archive(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A partitioned Parquet archive (3 files) cut from the Reuters news, built at test time only; the last
    file holds an earlier-published copy of an article of the first, which takes its place (a demotion),
    and a row repeating an id of the second."""
    table = pq.read_table(shared_dir / "data" / "news" / "reuters_2006_2013.parquet").slice(40_000, 600)
    folder = tmp_path_factory.mktemp("archive")
    parts = [table.slice(0, 200), table.slice(200, 200), table.slice(400, 200)]
    original = parts[0].slice(10, 1).to_pylist()[0]
    copy = dict(original, id=original["id"] + "-wire", url=original["url"] + "?wire",
                published=original["published"] - dt.timedelta(hours=2))  # fmt: skip
    repeat = parts[1].slice(5, 1).to_pylist()[0]
    parts[2] = pa.concat_tables([parts[2], pa.Table.from_pylist([copy, repeat], schema=table.schema)])
    for i, part in enumerate(parts):
        pq.write_table(part, folder / f"part-{i:03d}.parquet")
    return folder, str(original["url"])


def _contents(desk: Desk) -> dict[str, Any]:
    con = desk.store.con  # type: ignore[attr-defined]
    return {
        "articles": con.execute("SELECT id, cluster_id, title, body, published FROM articles ORDER BY id").fetchall(),
        "members": con.execute("SELECT member_id, cluster_id, original_id FROM news_members ORDER BY 1").fetchall(),
        "links": con.execute("SELECT article_id, company_id FROM article_companies ORDER BY 1, 2").fetchall(),
        "extractions": [
            (aid, pipeline, json.loads(payload))
            for aid, pipeline, payload in con.execute("SELECT * FROM extractions ORDER BY 1").fetchall()
        ],
    }


def test_archive_ingest_and_extraction_on_a_local_cluster(
    tmp_path: Path, archive: tuple[Path, str], client: Any
) -> None:
    folder, url = archive
    with Desk.open(tmp_path / "alone.duckdb") as alone, Desk.open(tmp_path / "spread.duckdb") as spread:
        single = alone.ingest_news([folder], extract=True)
        steps: list[int] = []
        linked: list[tuple[int, int]] = []
        report = distributed.ingest_news(
            spread, [folder], client=client, extract=True, progress=lambda step: steps.append(step.items),
            link_progress=lambda done, total: linked.append((done, total)),
        )  # fmt: skip
        assert (report.new, report.duplicates, report.unchanged) == (single.new, single.duplicates, single.unchanged)
        assert report.new_ids == single.new_ids and report.demoted_ids == single.demoted_ids
        assert len(report.demoted_ids) == 1 and report.demoted_ids[0] in report.new_ids  # replaced by its copy
        demoted = report.demoted_ids[0]
        assert steps and max(steps) == 602  # progress reported as the files went by
        assert len(linked) == 3 and linked[-1] == (len(report.new_ids) - 1,) * 2  # a file at a time
        a, b = _contents(alone), _contents(spread)
        assert len(a["articles"]) == single.new - 1 > 500 and len(a["links"]) > 300 and len(a["extractions"]) > 200
        assert demoted not in {row[0] for row in a["articles"]} | {row[0] for row in a["extractions"]}
        assert (demoted,) in alone.store.con.execute(  # type: ignore[attr-defined]
            "SELECT member_id FROM news_members WHERE url = ?", [url]
        ).fetchall()
        for key in a:
            assert a[key] == b[key], key
        # a rerun stores, links and extracts nothing new, as on one process
        again = distributed.ingest_news(spread, [folder], client=client, extract=True)
        assert again.new == 0 and _contents(spread) == b


def test_archive_without_extraction_links_only(tmp_path: Path, archive: tuple[Path, str], client: Any) -> None:
    with Desk.open(tmp_path / "alone.duckdb") as alone, Desk.open(tmp_path / "spread.duckdb") as spread:
        alone.ingest_news([archive[0]])
        distributed.ingest_news(spread, [archive[0]], client=client)
        a, b = _contents(alone), _contents(spread)
        assert a["links"] == b["links"] and len(a["links"]) > 300 and b["extractions"] == []


# -- the daily edition ----------------------------------------------------------------------------------
def test_edition_with_its_news_extracted_on_workers_has_the_same_briefs(
    tmp_path: Path, sp500: pd.DataFrame, shared_dir: Path, client: Any
) -> None:
    """2008-01-23 on the S&P panel with three weeks of Reuters news: the scan runs on the workers, the news of
    the movers is extracted by them, the briefs are those of one process (and the cached payloads too)."""
    import shutil

    from movedesk.publish.brief import brief_json
    from movedesk.publish.edition import build_edition

    prices = tmp_path / "us.parquet"
    sp500.rename(columns={"session": "date", "flags": "flag"}).to_parquet(prices)
    news = pq.read_table(
        shared_dir / "data" / "news" / "reuters_2006_2013.parquet",
        filters=[("published", ">=", pd.Timestamp("2008-01-14", tz="UTC")),
                 ("published", "<", pd.Timestamp("2008-01-26", tz="UTC"))],
    )  # fmt: skip
    pq.write_table(news, tmp_path / "news.parquet")
    with Desk.open(tmp_path / "alone.duckdb") as desk:
        desk.ingest_price_files([prices])
        desk.ingest_news([tmp_path / "news.parquet"])
    shutil.copy(tmp_path / "alone.duckdb", tmp_path / "spread.duckdb")
    day = dt.date(2008, 1, 23)
    with Desk.open(tmp_path / "alone.duckdb") as alone, Desk.open(tmp_path / "spread.duckdb") as spread:
        single = build_edition(alone, day, universe="sp500", top=4)
        explained = [b.explanation.company for b in single.briefs]
        assert (single.movers or [])[:4] == explained  # none refused: the top four were explained
        # the workers extract exactly the news those explanations read, the same payloads
        warmed = distributed.warm_extractions(spread, explained, day, client=client)
        assert warmed == len(_contents(alone)["extractions"]) > 10
        assert _contents(spread)["extractions"] == _contents(alone)["extractions"]
        edition = distributed.build_edition(spread, day, client=client, universe="sp500", top=4)
        assert len(single.briefs) == 4 and [b.slug for b in edition.briefs] == [b.slug for b in single.briefs]
        assert [brief_json(b) for b in edition.briefs] == [brief_json(b) for b in single.briefs]
        assert edition.market == single.market and edition.movers == single.movers
        # the spare movers' news was extracted ahead too (for a mover explain would refuse)
        assert len(_contents(spread)["extractions"]) > len(_contents(alone)["extractions"])
        # the daily job's publishing step takes the client: the same edition stored
        from movedesk.jobs.daily import publish_and_send

        slug, briefs, _ = publish_and_send(alone, day, universe="sp500", top=4, send=False)
        assert publish_and_send(spread, day, universe="sp500", top=4, send=False, client=client)[:2] == (slug, briefs)
        assert alone.edition(slug) == spread.edition(slug) is not None


# -- choosing the scheduler -----------------------------------------------------------------------------
def test_parse_scheduler() -> None:
    assert parse_scheduler(None) == (None, None) and parse_scheduler("  ") == (None, None)
    assert parse_scheduler("local:3") == ("local", 3) and parse_scheduler("local")[0] == "local"
    assert parse_scheduler(None, 2) == ("local", 2)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    for bad in ("local:0", "local:x", "somehost:8786"):
        with pytest.raises(ConfigError):
            parse_scheduler(bad)
    with client_for(None) as none:
        assert none is None


def test_missing_dask_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = dask_cluster.importlib.import_module

    def refuse(name: str, *args: Any) -> Any:
        if name == "distributed":
            raise ImportError("No module named 'distributed'")
        return real(name, *args)

    monkeypatch.setattr(dask_cluster.importlib, "import_module", refuse)
    with pytest.raises(ConfigError) as caught, client_for("local:2"):
        pass
    assert 'pip install "movedesk[dask]"' in str(caught.value)


def test_a_worker_with_other_extraction_code_refuses() -> None:
    """The client stores payloads under its own version: a worker computing another refuses the work."""
    from movedesk.extract.options import ExtractOptions
    from movedesk.jobs.dask_work import WorkerSetup, link_and_extract
    from movedesk.models import Article

    article = Article(id="a1", source="Reuters", url="http://example.com/a1", title="Apple shares rise",
                      body="Apple Inc shares rose 5 percent.", published=dt.datetime(2008, 1, 23, 21, tzinfo=dt.UTC),
                      first_seen=dt.datetime(2008, 1, 23, 21, tzinfo=dt.UTC))  # fmt: skip
    links, payloads = link_and_extract([article], WorkerSetup(ExtractOptions(), ""), None, frozenset())
    assert links and not payloads  # no version: links only
    with pytest.raises(ConfigError, match="another version"):
        link_and_extract([article], WorkerSetup(ExtractOptions(), "x-not-this-code"), None, frozenset())


def test_unreachable_scheduler_is_a_config_error() -> None:
    with (
        pytest.raises(ConfigError, match="cannot reach the Dask scheduler"),
        client_for("tcp://127.0.0.1:9", timeout=1),
    ):
        pass


# -- the CLI ----------------------------------------------------------------------------------------------
def test_cli_moves_and_ingest_news_take_a_scheduler(
    tmp_path: Path, sp500: pd.DataFrame, archive: tuple[Path, str], client: Any
) -> None:
    from typer.testing import CliRunner

    from movedesk.cli.main import app

    address = client.scheduler.address  # the module's cluster, reached as a remote one
    us = tmp_path / "us.parquet"
    sp500.rename(columns={"session": "date", "flags": "flag"}).to_parquet(us)
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    assert runner.invoke(app, ["--db", db, "ingest", "prices", str(us), "--json"]).exit_code == 0
    args = ["--db", db, "moves", "--date", "2008-01-23", "--universe", "sp500", "--json", "--limit", "500"]
    alone = runner.invoke(app, args)
    spread = runner.invoke(app, [*args, "--scheduler", address])
    assert alone.exit_code == 0 and spread.exit_code == 0, spread.output
    assert json.loads(alone.stdout) == json.loads(spread.stdout) and len(json.loads(alone.stdout)["moves"]) > 50
    result = runner.invoke(app, ["--db", db, "ingest", "news", str(archive[0]), "--scheduler", address, "--json"])
    assert result.exit_code == 0, result.output
    with Desk.open(tmp_path / "alone.duckdb") as alone:
        assert json.loads(result.stdout) == {"status": "ok", **alone.ingest_news([archive[0]]).to_dict()}
    # the daily job: the same edition with its scan and the movers' news on the workers
    import shutil

    shutil.copy(db, tmp_path / "copy.duckdb")
    run = ["run", "--date", "2008-01-23", "--universe", "sp500", "--top", "2", "--no-send", "--json"]
    here = runner.invoke(app, ["--db", str(tmp_path / "copy.duckdb"), *run])
    there = runner.invoke(app, ["--db", db, *run, "--scheduler", address])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    assert json.loads(here.stdout)["briefs"] == json.loads(there.stdout)["briefs"]
    assert len(json.loads(there.stdout)["briefs"]) == 2
    bad = runner.invoke(app, ["--db", db, "moves", "--date", "2008-01-23", "--scheduler", "nowhere"])
    assert isinstance(bad.exception, ConfigError) and "not a Dask address" in str(bad.exception)
