"""Market-wide scan: every listing with a significant abnormal move on a date or range, ranked, plus a
market-day verdict so explanations can say "the whole market rose".

The scan ranks *daily* abnormal returns only: a session whose previous bar is missing or a placeholder
has no daily return and is not ranked (``gaps`` lists the missing or untrusted bars of the scanned
sessions); ``describe`` / ``Desk.move`` give such a session an AR over the span, flagged.

The S&P 500 proxy benchmark (``^SP500EW``)
-----------------------------------------
The shared S&P 500 panel has no index series, so the benchmark of every S&P member is an *equal-weight
proxy built from the panel*: on each session, the mean of the simple daily returns of the members that
have a trusted close on both that session and the previous one (members missing a bar are left out
that day, never forward-filled; at least ``MIN_PROXY_MEMBERS`` returns are required). Its level is
``100 × Π(1 + mean return)`` from the first session. The stock itself is one of ~500 equal weights in
its own benchmark (a known, small bias toward zero in AR). :func:`equal_weight_index` builds the
series as bars, which ``Desk.ingest_price_files`` stores whenever S&P members are ingested, so
``movedesk move AAPL`` and the scan use the same benchmark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from movedesk import calendars
from movedesk.config import MIN_ABS_Z
from movedesk.detect.returns import (
    ESTIMATION_WINDOW,
    MIN_OBS,
    MISSING,
    UNTRUSTED,
    AbnormalReturns,
    Model,
    Panel,
    _days,
    abnormal_returns,
    build_panel,
    p_value,
    simple_returns,
)
from movedesk.errors import DataValidationError, InsufficientData, NotATradingSession

SP500_PROXY = "^SP500EW"
MIN_PROXY_MEMBERS = 10
MARKET_DAY_Z = 2.0
CAR_WINDOW = (-2, 0)
VOLUME_WINDOW = 20
VOLUME_MIN_OBS = 10

MOVE_COLUMNS = [
    "rank", "symbol", "session", "close", "ret_pct", "benchmark", "bench_pct", "ar_pct", "z", "p",
    "alpha", "beta", "sigma_pct", "n_obs", "car_pct", "car_z", "gap_pct", "high_pct", "low_pct",
    "cum5_pct", "volume_ratio", "market_day",
]  # fmt: skip
MARKET_COLUMNS = [
    "benchmark", "session", "bench_pct", "bench_z", "market_day", "n", "up", "down", "up_share",
    "significant", "verdict",
]  # fmt: skip


@dataclass
class ScanResult:
    """``moves``: significant abnormal moves ranked by |z|; ``market``: one verdict per (benchmark,
    session); ``gaps``: listings with no trusted bar on a scanned session (suspension, placeholder, gap)."""

    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))
    market: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MARKET_COLUMNS))
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["symbol", "session", "state"]))

    def merge(self, other: ScanResult) -> ScanResult:
        def cat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
            parts = [x for x in (a, b) if not x.empty]
            return pd.concat(parts, ignore_index=True) if parts else a

        return ScanResult(cat(self.moves, other.moves), cat(self.market, other.market), cat(self.gaps, other.gaps))

    def ranked(self) -> ScanResult:
        moves = self.moves
        if not moves.empty:
            moves = moves.reindex(moves["z"].abs().sort_values(ascending=False, kind="stable").index)
            moves = moves.reset_index(drop=True)
            moves["rank"] = np.arange(1, len(moves) + 1)
        market = self.market.sort_values(["session", "benchmark"]).reset_index(drop=True)
        return ScanResult(moves, market, self.gaps)


def equal_weight_returns(r: np.ndarray, min_members: int = MIN_PROXY_MEMBERS) -> np.ndarray:
    """Mean of the finite returns of each row (session); NaN when fewer than ``min_members`` exist."""
    finite = np.isfinite(r)
    count = finite.sum(axis=1)
    total = np.where(finite, r, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= min_members, total / count, np.nan)


def equal_weight_index(
    bars: pd.DataFrame,
    symbol: str = SP500_PROXY,
    *,
    sessions: pd.DatetimeIndex | None = None,
    base: float = 100.0,
    min_members: int = MIN_PROXY_MEMBERS,
) -> pd.DataFrame:
    """The equal-weight proxy of the listings in ``bars`` as bars (close = level; no OHLV)."""
    panel = build_panel(bars, sessions, ohlv=False)
    m = equal_weight_returns(simple_returns(panel.returns_close), min_members)
    ok = np.isfinite(m)
    if not ok.any():
        raise InsufficientData(f"too few listings with returns to build {symbol} (need {min_members} a day)")
    first = int(np.flatnonzero(ok)[0]) - 1  # the base session is the one before the first return
    level = base * np.cumprod(np.where(ok, 1.0 + m, 1.0))
    keep = ok.copy()
    if first >= 0:
        keep[first] = True
    level_all = np.where(np.arange(len(m)) == first, base, level)
    days = panel.sessions[keep]
    return pd.DataFrame(
        {
            "symbol": symbol,
            "session": pd.to_datetime(days).date,
            "open": np.nan,
            "high": np.nan,
            "low": np.nan,
            "close": level_all[keep],
            "volume": np.nan,
            "flags": None,
        }
    )


def _benchmark_z(m: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """The benchmark's return standardised by its own mean and s.d. over the estimation window."""
    n_rows = len(m)
    ok = np.isfinite(m)
    x = np.where(ok, m, 0.0)
    cs = np.concatenate([[0.0], np.cumsum(ok)])
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    t = np.arange(n_rows)
    lo = np.clip(t + window[0], 0, n_rows)
    hi = np.clip(t + window[1] + 1, 0, n_rows)
    n = cs[hi] - cs[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (s1[hi] - s1[lo]) / n
        var = ((s2[hi] - s2[lo]) - n * mean * mean) / (n - 1)
        z = (m - mean) / np.sqrt(var)
    return np.where(n >= 20, z, np.nan)


def scan_panel(
    panel: Panel,
    m: np.ndarray,
    start: dt.date,
    end: dt.date | None = None,
    *,
    benchmark: str,
    model: Model = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    min_obs: int = MIN_OBS,
    min_z: float = MIN_ABS_Z,
    result: AbnormalReturns | None = None,
) -> ScanResult:
    """Significant abnormal moves of every panel column on the sessions in [start, end]."""
    end = end or start
    days = panel.sessions
    t0 = int(np.searchsorted(days, np.datetime64(start, "D")))
    t1 = int(np.searchsorted(days, np.datetime64(end, "D"), side="right"))
    if t0 >= t1:
        raise InsufficientData(f"no sessions between {start} and {end} in the data")
    if result is None:
        r = simple_returns(panel.returns_close)
        result = abnormal_returns(r, m, model=model, window=window, min_obs=min_obs)
    sar = result.sar[t0:t1]
    with np.errstate(invalid="ignore"):
        hit = np.abs(sar) >= min_z
    ti, ni = np.nonzero(hit)
    ti = ti + t0
    moves = _describe_cells(panel, result, ti, ni, benchmark)
    bench_z = _benchmark_z(m, window)
    market = _market(panel, result, m, bench_z, t0, t1, benchmark, min_z)
    if not moves.empty:
        day_flag = dict(zip(market["session"], market["market_day"], strict=True))
        moves["market_day"] = moves["session"].map(day_flag).astype(bool)
    gap_t, gap_n = np.nonzero(panel.state[t0:t1] != 1)
    keep = _listed(panel, gap_t + t0, gap_n)
    gap_t, gap_n = gap_t[keep], gap_n[keep]
    gaps = pd.DataFrame(
        {
            "symbol": pd.Categorical.from_codes(gap_n, pd.Index(panel.symbols)),
            "session": _dates(days)[gap_t + t0],
            "state": np.where(panel.state[gap_t + t0, gap_n] == UNTRUSTED, "untrusted_bar", "no_bar"),
        }
    )
    return ScanResult(moves, market, gaps.reset_index(drop=True)).ranked()


def _dates(days: np.ndarray) -> np.ndarray:
    """datetime64[D] sessions → an object array of datetime.date (each converted once)."""
    return np.array([dt.date.fromordinal(int(d) + _EPOCH) for d in days.astype(np.int64)], dtype=object)


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _listed(panel: Panel, ti: np.ndarray, ni: np.ndarray) -> np.ndarray:
    """Cells worth reporting: an untrusted bar, or a missing bar after the listing's first bar (not
    pre-IPO) and either before its last one or within 20 sessions of it (a suspension up to the scan's
    end, not a delisting long ago)."""
    state = panel.state
    has_any = (state != MISSING).any(axis=0)
    first = np.argmax(state != MISSING, axis=0)
    last = state.shape[0] - 1 - np.argmax(state[::-1] != MISSING, axis=0)
    untrusted = state[ti, ni] == UNTRUSTED
    recent = (ti < last[ni]) | (ti - last[ni] <= 20)
    return np.asarray(untrusted | (has_any[ni] & (ti > first[ni]) & recent))


def _describe_cells(panel: Panel, res: AbnormalReturns, ti: np.ndarray, ni: np.ndarray, benchmark: str) -> pd.DataFrame:
    if not len(ti):
        return pd.DataFrame(columns=MOVE_COLUMNS)
    close = panel.close
    prev = close[ti - 1, ni]
    c = close[ti, ni]

    def pct(a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (a / prev - 1.0) * 100.0

    nan_col = np.full(len(ti), np.nan)
    high = pct(panel.high[ti, ni]) if panel.high is not None else nan_col
    low = pct(panel.low[ti, ni]) if panel.low is not None else nan_col
    gap = pct(panel.open[ti, ni]) if panel.open is not None else nan_col
    back = np.maximum(ti - 5, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cum5 = np.where(ti >= 5, (c / close[back, ni] - 1.0) * 100.0, np.nan)
    vol_ratio = nan_col
    if panel.volume is not None:
        vol = panel.volume
        finite = np.isfinite(vol)
        cum_v = np.zeros((vol.shape[0] + 1, vol.shape[1]))
        np.cumsum(np.where(finite, vol, 0.0), axis=0, out=cum_v[1:])
        cum_n = np.zeros((vol.shape[0] + 1, vol.shape[1]), dtype=np.int32)
        np.cumsum(finite, axis=0, out=cum_n[1:])
        lo = np.maximum(ti - VOLUME_WINDOW, 0)
        count = cum_n[ti, ni] - cum_n[lo, ni]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (cum_v[ti, ni] - cum_v[lo, ni]) / count
            vol_ratio = np.where((count >= VOLUME_MIN_OBS) & (mean > 0), vol[ti, ni] / mean, np.nan)
    car, car_t = _car_cells(res, ti, ni)
    z = res.sar[ti, ni]
    return pd.DataFrame(
        {
            "rank": 0,
            "symbol": pd.Categorical.from_codes(ni, pd.Index(panel.symbols)),
            "session": _dates(panel.sessions)[ti],
            "close": c,
            "ret_pct": res.r[ti, ni] * 100.0,
            "benchmark": benchmark,
            "bench_pct": res.m[ti] * 100.0,
            "ar_pct": res.ar[ti, ni] * 100.0,
            "z": z,
            "p": p_value(z, res.n[ti, ni] - (2 if res.model == "market-model" else 1)),
            "alpha": res.alpha[ti, ni],
            "beta": res.beta[ti, ni],
            "sigma_pct": res.sigma[ti, ni] * 100.0,
            "n_obs": res.n[ti, ni].astype(int),
            "car_pct": car * 100.0,
            "car_z": car_t,
            "gap_pct": gap,
            "high_pct": high,
            "low_pct": low,
            "cum5_pct": cum5,
            "volume_ratio": vol_ratio,
            "market_day": False,
        }
    )


def _car_cells(res: AbnormalReturns, ti: np.ndarray, ni: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CAR over CAR_WINDOW for the selected cells only (same formula as AbnormalReturns.car)."""
    a, b = CAR_WINDOW
    length = b - a + 1
    offsets = np.arange(a, b + 1)
    rows = ti[:, None] + offsets[None, :]
    inside = (rows >= 0) & (rows < res.r.shape[0])
    rows_c = np.clip(rows, 0, res.r.shape[0] - 1)
    rr = np.where(inside, res.r[rows_c, ni[:, None]], np.nan)
    mm = np.where(inside, res.m[rows_c], np.nan)
    ok = np.isfinite(rr).all(axis=1) & np.isfinite(mm).all(axis=1)
    sum_r, sum_m = rr.sum(axis=1), mm.sum(axis=1)
    alpha, beta, sigma = res.alpha[ti, ni], res.beta[ti, ni], res.sigma[ti, ni]
    n, mean_m, sxx = res.n[ti, ni], res.mean_m[ti, ni], res.sxx[ti, ni]
    with np.errstate(invalid="ignore", divide="ignore"):
        if res.model == "market-model":
            car = sum_r - length * alpha - beta * sum_m
            var = sigma**2 * (length + length**2 / n + (sum_m - length * mean_m) ** 2 / sxx)
        else:
            car = sum_r - sum_m
            var = sigma**2 * length
        car = np.where(ok, car, np.nan)
        return car, car / np.sqrt(var)


def _market(
    panel: Panel,
    res: AbnormalReturns,
    m: np.ndarray,
    bench_z: np.ndarray,
    t0: int,
    t1: int,
    benchmark: str,
    min_z: float,
) -> pd.DataFrame:
    r = res.r[t0:t1]
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.isfinite(r).sum(axis=1)
        up = (r > 0).sum(axis=1)
        down = (r < 0).sum(axis=1)
        sig = (np.abs(res.sar[t0:t1]) >= min_z).sum(axis=1)
        pct = m[t0:t1] * 100.0
        bz = bench_z[t0:t1]
        is_day = np.isfinite(bz) & (np.abs(bz) >= MARKET_DAY_Z)
        share = np.where(n > 0, up / np.maximum(n, 1), np.nan)
    verdicts = [
        _verdict(benchmark, float(p), float(z), bool(d), int(u), int(dn), int(k))
        for p, z, d, u, dn, k in zip(pct, bz, is_day, up, down, n, strict=True)
    ]
    return pd.DataFrame(
        {
            "benchmark": benchmark,
            "session": _dates(panel.sessions[t0:t1]),
            "bench_pct": pct,
            "bench_z": bz,
            "market_day": is_day,
            "n": n,
            "up": up,
            "down": down,
            "up_share": share,
            "significant": sig,
            "verdict": verdicts,
        },
        columns=MARKET_COLUMNS,
    )


def _verdict(benchmark: str, pct: float, z: float, is_day: bool, up: int, down: int, n: int) -> str:
    if not np.isfinite(pct):
        return f"{benchmark} has no return on this session"
    way = "rose" if pct > 0 else "fell" if pct < 0 else "was flat"
    breadth = f"{up} of {n} listings rose, {down} fell" if n else "no listing returns"
    z_text = f"z {z:+.1f}" if np.isfinite(z) else "z n/a"
    if is_day:
        return f"market-wide move: the whole market {way} ({benchmark} {pct:+.2f}%, {z_text}); {breadth}"
    return f"no market-wide move ({benchmark} {pct:+.2f}%, {z_text}); {breadth}"


def scan_bars(
    bars: pd.DataFrame,
    start: dt.date,
    end: dt.date | None = None,
    *,
    mic: str,
    benchmark_bars: pd.DataFrame | None = None,
    benchmark: str | None = None,
    model: Model = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    min_obs: int = MIN_OBS,
    min_z: float = MIN_ABS_Z,
) -> ScanResult:
    """Scan long bars of one exchange: a panel on ``mic``'s calendar, the benchmark from
    ``benchmark_bars`` or, when absent, the equal-weight proxy of the panel itself."""
    end = end or start
    bars, axis, benchmark_bars, _ = prepare_bars(bars, start, end, mic=mic, benchmark_bars=benchmark_bars,
                                                 window=window)  # fmt: skip
    panel = build_panel(bars, axis)
    r = simple_returns(panel.returns_close)
    m, name = benchmark_returns(benchmark_bars, axis, benchmark=benchmark, panel_returns=r)
    res = abnormal_returns(r, m, model=model, window=window, min_obs=min_obs)
    return scan_panel(panel, m, start, end, benchmark=name, model=model, window=window, min_obs=min_obs,
                      min_z=min_z, result=res)  # fmt: skip


def prepare_bars(
    bars: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    mic: str,
    benchmark_bars: pd.DataFrame | None,
    window: tuple[int, int] = ESTIMATION_WINDOW,
) -> tuple[pd.DataFrame, pd.DatetimeIndex, pd.DataFrame | None, np.ndarray]:
    """The checks of a scan, and the bars (and benchmark bars) cut to the history the estimation window
    needs (plus the CAR run-up), with the session axis they are laid on and the cut bars' sessions as
    datetime64[D]."""
    if end < start:
        raise DataValidationError(f"end {end} is before start {start}")
    if end == start:
        calendars.require_session(mic, start)
    elif not len(calendars.session_index(mic, start, end)):
        raise NotATradingSession(f"no session of {mic} between {start} and {end}")
    if bars.empty:
        raise InsufficientData("no bars to scan")
    days = _days(bars["session"])
    first = pd.Timestamp(days.min()).date()
    need = calendars.session_index(mic, start - dt.timedelta(days=3 * abs(window[0]) + 30), start)
    earliest = need[max(0, len(need) - 1 + window[0] + CAR_WINDOW[0] - 1)].date() if len(need) else first
    first = max(first, earliest)
    cut = np.datetime64(first, "D")
    keep = days >= cut
    if not keep.all():
        bars, days = bars[keep], days[keep]
    if benchmark_bars is not None and not benchmark_bars.empty:
        benchmark_bars = benchmark_bars[_days(benchmark_bars["session"]) >= cut]
    else:
        benchmark_bars = None
    return bars, calendars.session_index(mic, first, end), benchmark_bars, days


def benchmark_returns(
    benchmark_bars: pd.DataFrame | None,
    axis: pd.DatetimeIndex,
    *,
    benchmark: str | None,
    panel_returns: np.ndarray,
) -> tuple[np.ndarray, str]:
    """The benchmark's returns on ``axis`` and its name: from ``benchmark_bars``, or the equal-weight proxy
    of the panel whose returns are ``panel_returns`` (named ``benchmark``, else ``equal-weight``)."""
    if benchmark_bars is not None and not benchmark_bars.empty:
        name = benchmark or str(benchmark_bars["symbol"].iloc[0])
        bench_panel = build_panel(benchmark_bars.assign(symbol=name), axis, ohlv=False)
        return simple_returns(bench_panel.returns_close)[:, 0], name
    return equal_weight_returns(panel_returns), benchmark or "equal-weight"
