"""Move descriptors for one (listing, session), computed from bars on the listing's exchange calendar.

"As much as" is the intraday high (or low) against the previous close; "settled" is the close against
the previous close; cumulative changes count *sessions of the exchange calendar*, not bars or calendar
days. Bars the source flagged as not real trades (HK half-day placeholders, suspensions, spurious
typhoon rows) are never used as prices, and a session with no bar is never forward-filled: the Move
says so in ``flags`` instead:

``untrusted_bar``       the session's own bar is not a trade (placeholder, suspension); nothing computed
``prev_bar_untrusted``  the previous session's bar is not a trade; changes are against the last real
                        close (``prev_session`` names it)
``gap_before``          the previous session(s) have no bar at all (suspension or data gap)
``first_bar``           no earlier trusted close
``ex_date``             a dividend or split goes ex on the session (bars' ``action``): the day's change is as
                        traded, the abnormal return uses adjusted closes, the price limit is set around the
                        ex-rights reference price
``limit_up_touched`` / ``limit_down_touched``  the limit price was reached intraday but not at the close
``ipo_no_limit``        a new listing's no-limit days (STAR/ChiNext first 5 sessions, flagged ``ipo_day``)
``qfq_prices``          forward-adjusted prices: limit prices cannot be checked
``beyond_limit_band``   the close is outside the listing's band (ex-date, no-limit day, stale ST rule)
``insufficient_history`` fewer than ``min_obs`` estimation returns: no abnormal return
``ar_spans_sessions``   the session's return spans k > 1 sessions (previous bar missing or a placeholder):
                        AR = R − (k·α + β·M) over the span, z = AR / (σ√k)
``ar_unavailable_after_gap`` no daily return for the session although both closes exist (defensive)
``benchmark_missing``   the benchmark has no return on the session

A missing bar *on the session itself* raises :class:`~movedesk.errors.InsufficientData` naming the
suspension or gap.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from movedesk import calendars
from movedesk.detect.returns import (
    ESTIMATION_WINDOW,
    MIN_OBS,
    MISSING,
    UNTRUSTED,
    UNTRUSTED_FLAGS,
    Model,
    abnormal_returns,
    back_adjusted,
    p_value,
    simple_returns,
)
from movedesk.errors import DataValidationError, InsufficientData, MissingColumn
from movedesk.models import Listing, Move

__all__ = [
    "CUM_WINDOWS",
    "ESTIMATION_WINDOW",
    "MARKET_DAY_Z",
    "MIN_ESTIMATION_OBS",
    "UNTRUSTED_FLAGS",
    "ah_premium",
    "describe",
    "limit_band",
    "limit_pct_for",
    "trusted",
]

CUM_WINDOWS = (2, 3, 4, 5, 10, 20)
MIN_ESTIMATION_OBS = MIN_OBS
MARKET_DAY_Z = 2.0
CAR_SESSIONS = 3
VOLUME_WINDOW = 20
VOLUME_MIN_OBS = 10


def trusted(bars: pd.DataFrame) -> pd.DataFrame:
    """Rows whose prices are real trades, sorted by session."""
    flags = bars["flags"] if "flags" in bars else pd.Series(None, index=bars.index, dtype=object)
    from movedesk.detect.returns import untrusted_mask

    bad = untrusted_mask(flags)
    return bars.loc[~bad].sort_values("session").reset_index(drop=True)


@functools.cache
def _limit_rows() -> tuple[tuple[str, str, dt.date, float], ...]:
    """(rule, board, from, pct) rows of ``data/registry/price_limits.csv``."""
    rows = []
    for row in _data_rows("price_limits.csv"):
        start = dt.date.fromisoformat(row["from"]) if row["from"] else dt.date.min
        rows.append((row["rule"], row["board"], start, float(row["pct"])))
    return tuple(rows)


@functools.cache
def ipo_free_sessions() -> dict[str, int]:
    """First sessions of a new listing without a daily limit, by board (``ipo_free_sessions.csv``)."""
    return {row["board"]: int(row["sessions"]) for row in _data_rows("ipo_free_sessions.csv")}


def _data_rows(name: str) -> list[dict[str, str]]:
    path = resources.files("movedesk") / "data" / "registry" / name
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def limit_pct_for(listing: Listing, session: dt.date) -> float | None:
    """The daily price-limit in percent for a listing on a date (None: no limit), from the rules in
    ``data/registry/price_limits.csv``: a board's own row wins, then the latest in force on the date."""
    found = [
        (bool(board), start, pct)
        for rule, board, start, pct in _limit_rows()
        if rule == listing.limit_rule and board in ("", listing.board) and start <= session
    ]
    return max(found)[2] if found else None


def _round_price(x: float) -> float:
    """Exchange rounding of a limit price to the 0.01 tick (half up)."""
    return math.floor(x * 100 + 0.5 + 1e-9) / 100


def limit_band(prev_close: float, pct: float) -> tuple[float, float]:
    """(limit-up price, limit-down price) from the previous close, on the 0.01 tick."""
    return _round_price(prev_close * (1 + pct / 100)), _round_price(prev_close * (1 - pct / 100))


def ah_premium(a_close: float, h_close: float, cny_per_hkd: float) -> float:
    """A-share premium over the H-share in percent: A (CNY) / (H (HKD) × CNY per HKD) − 1."""
    return (a_close / (h_close * cny_per_hkd) - 1.0) * 100.0


def _pct(a: float, b: float) -> float:
    return (a / b - 1.0) * 100.0


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _only(bars: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """The rows of ``symbol`` (no copy when every row already is: the usual case, and the hot path)."""
    if "symbol" not in bars.columns:
        return bars
    values = bars["symbol"].tolist()
    mask = np.fromiter((v == symbol for v in values), dtype=bool, count=len(values))
    return bars if mask.all() else bars[mask]


def _check(bars: pd.DataFrame, what: str) -> None:
    for col in ("session", "close"):
        if col not in bars.columns:
            raise MissingColumn(f"{what} bars have no {col!r} column")


@dataclass
class _Line:
    """One symbol's bars laid on a session axis (numpy only: this is the hot path of ``Desk.move``)."""

    close: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    state: np.ndarray
    flags: dict[int, list[str]]  # source flags by axis position (positions without flags are absent)
    adjusted: np.ndarray  # closes scaled for ex-dates (back_adjusted); ``close`` itself when there are none
    actions: dict[int, str]  # corporate actions by axis position ("dividend 0.24", "split 2:1")


def _to_days(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.to_numpy().astype("datetime64[D]")
    items = values.tolist()
    if items and all(type(x) is dt.date for x in items):
        # python dates (what the store returns): ordinals are ~50x faster than numpy's date parsing
        ordinals = np.fromiter((x.toordinal() for x in items), dtype=np.int64, count=len(items))
        return (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _flag_list(value: object) -> list[str]:
    return [f for f in value.split(";") if f] if isinstance(value, str) else []


def _line(raw: pd.DataFrame, axis: np.ndarray, symbol: str, days: np.ndarray | None = None) -> _Line:
    days = _to_days(raw["session"]) if days is None else days
    pos_all = np.searchsorted(axis, days)
    on_axis = (pos_all < len(axis)) & (axis[np.minimum(pos_all, len(axis) - 1)] == days)
    pos = pos_all[on_axis]
    if len(pos) and np.bincount(pos, minlength=len(axis)).max() > 1:
        raise DataValidationError(f"duplicated sessions in the bars of {symbol}")
    n = len(axis)
    flags: dict[int, list[str]] = {}
    state = np.zeros(n, dtype=np.int8)
    close_raw = raw["close"].to_numpy(dtype=float)
    bad_all = ~np.isfinite(close_raw) | (close_raw <= 0)
    if "flags" in raw.columns:
        for i, value in enumerate(raw["flags"].tolist()):
            if isinstance(value, str) and value and on_axis[i]:
                codes = _flag_list(value)
                flags[int(pos_all[i])] = codes
                if any(c in UNTRUSTED_FLAGS for c in codes):
                    bad_all[i] = True
    bad = bad_all[on_axis]
    state[pos] = np.where(bad, UNTRUSTED, 1)
    good = pos[~bad]
    keep = on_axis & ~bad_all

    def col(name: str) -> np.ndarray:
        out = np.full(n, np.nan)
        if name in raw.columns:
            out[good] = raw[name].to_numpy(dtype=float)[keep]
        return out

    close = col("close")
    adjusted, actions = close, {}
    if "adj_ratio" in raw.columns:
        ratios = raw["adj_ratio"].to_numpy(dtype=float)
        has = on_axis & np.isfinite(ratios)
        if has.any():
            ratio = np.full(n, np.nan)
            ratio[pos_all[has]] = ratios[has]
            adjusted = back_adjusted(close, ratio)
            labels = raw["action"].tolist() if "action" in raw.columns else [None] * len(raw)
            actions = {int(pos_all[i]): str(labels[i] or "corporate action") for i in np.flatnonzero(has)}
    return _Line(close, col("open"), col("high"), col("low"), col("volume"), state, flags, adjusted, actions)


def describe(
    bars: pd.DataFrame,
    listing: Listing,
    session: dt.date,
    benchmark: pd.DataFrame | None = None,
    benchmark_symbol: str | None = None,
    *,
    fx: pd.DataFrame | None = None,
    peer: pd.DataFrame | None = None,
    peer_listing: Listing | None = None,
    model: Model = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    min_obs: int = MIN_OBS,
) -> Move:
    """All descriptors of ``listing`` on ``session`` from its bars (one symbol, any order).

    ``benchmark`` holds the benchmark's bars: with it the Move gets the abnormal return (``model`` over
    the estimation ``window``), its z (standardised AR) and p-value, a CAR over the last
    ``CAR_SESSIONS`` sessions, and whether the benchmark itself moved abnormally (``market_day``).
    ``peer`` + ``peer_listing`` (the other line of an A/H pair) and ``fx`` (columns session and close:
    CNY per HKD) give the A/H premium.
    """
    _check(bars, listing.symbol)
    raw = _only(bars, listing.symbol)
    if raw.empty:
        raise InsufficientData(f"no bars for {listing.symbol}")
    calendars.require_session(listing.mic, session)
    days = _to_days(raw["session"])
    axis = calendars.session_index(listing.mic, pd.Timestamp(days.min()).date(), session)
    axis_days = axis.to_numpy().astype("datetime64[D]")
    line = _line(raw, axis_days, listing.symbol, days)
    pos = len(axis_days) - 1
    state = line.state
    src_flags = line.flags.get(pos, [])
    if state[pos] == MISSING:
        before = days[days < np.datetime64(session, "D")]
        raise InsufficientData(
            f"no bar for {listing.symbol} on {session}, a session of {listing.mic}: a suspension or a data gap"
            + (f" (last bar {before.max()})" if len(before) else ""),
            hint="the price is not carried forward; ingest the missing bars if it traded",
        )
    if state[pos] == UNTRUSTED:
        at = np.flatnonzero(days == np.datetime64(session, "D"))[0]
        return Move(
            symbol=listing.symbol,
            session=session,
            close=float(raw["close"].iloc[at]),
            flags=(*src_flags, "untrusted_bar"),
        )
    close = line.close
    valid = np.flatnonzero(np.isfinite(close[:pos]))
    out_flags = list(src_flags)
    if not len(valid):
        return Move(symbol=listing.symbol, session=session, close=float(close[pos]), flags=(*out_flags, "first_bar"))
    j = int(valid[-1])
    if j < pos - 1:
        skipped = state[j + 1 : pos]
        if (skipped == UNTRUSTED).any():
            out_flags.append("prev_bar_untrusted")
        if (skipped == MISSING).any():
            out_flags.append("gap_before")
    prev_close = float(close[j])
    c = float(close[pos])
    if pos in line.actions:  # returns and AR use the adjusted closes; the day's change stays as traded
        out_flags.append("ex_date")
    high, low, open_ = _finite(line.high[pos]), _finite(line.low[pos]), _finite(line.open[pos])
    prev_pct = _pct(prev_close, float(close[int(valid[-2])])) if len(valid) >= 2 else None
    cum = {}
    for n in CUM_WINDOWS:
        if pos - n >= 0 and math.isfinite(close[pos - n]):
            cum[n] = _pct(c, float(close[pos - n]))
    # streak: consecutive real closes moving the same way
    seq = close[: pos + 1]
    seq = seq[np.isfinite(seq)]
    rets = seq[1:] / seq[:-1] - 1.0
    streak = 0
    if len(rets):
        sign = np.sign(rets[-1])
        if sign != 0:
            for r in rets[::-1]:
                if np.sign(r) != sign:
                    break
                streak += 1
    # price limits
    limit_pct = limit_pct_for(listing, session)
    limit_hit = None
    limit_distance = None
    if limit_pct is not None:
        window_n = ipo_free_sessions().get(listing.board or "", 1)
        recent = np.flatnonzero(state[: pos + 1] != MISSING)[-window_n:]
        if any("ipo_day" in line.flags.get(int(k), []) for k in recent):
            out_flags.append("ipo_no_limit")
            limit_pct = None
    if limit_pct is not None:
        if "qfq" in src_flags:
            out_flags.append("qfq_prices")
        else:
            # on an ex-date the exchange sets the band around the ex-rights reference price
            up, down = limit_band(prev_close * float(line.adjusted[j] / close[j]) / float(line.adjusted[pos] / c)
                                  if pos in line.actions else prev_close, limit_pct)
            if c > up + 0.015 or c < down - 0.015:
                # beyond the band: an ex-date, a no-limit day, or a stale ST status — not a limit hit
                out_flags.append("beyond_limit_band")
            elif c >= up - 1e-9:
                limit_hit = "up"
            elif c <= down + 1e-9:
                limit_hit = "down"
            else:
                if high is not None and high >= up - 1e-9:
                    out_flags.append("limit_up_touched")
                if low is not None and low <= down + 1e-9:
                    out_flags.append("limit_down_touched")
            distance = (up - c) if c >= prev_close else (c - down)
            limit_distance = max(distance, 0.0) / prev_close * 100.0
    # volume vs the previous sessions' average (placeholder and missing bars excluded)
    vol_ratio = None
    hist = line.volume[max(0, pos - VOLUME_WINDOW) : pos]
    hist = hist[np.isfinite(hist)]
    if len(hist) >= VOLUME_MIN_OBS and hist.mean() > 0 and math.isfinite(line.volume[pos]):
        vol_ratio = float(line.volume[pos] / hist.mean())
    move = Move(
        symbol=listing.symbol,
        session=session,
        prev_session=pd.Timestamp(axis_days[j]).date(),
        close=c,
        prev_close=prev_close,
        close_pct=_pct(c, prev_close),
        high_pct=_pct(high, prev_close) if high is not None else None,
        low_pct=_pct(low, prev_close) if low is not None else None,
        gap_pct=_pct(open_, prev_close) if open_ is not None else None,
        prev_pct=prev_pct,
        cum_pct=cum,
        streak=int(streak),
        limit_pct=limit_pct,
        limit_hit=limit_hit,
        limit_distance_pct=limit_distance,
        volume_ratio=vol_ratio,
        flags=tuple(out_flags),
    )
    if peer is not None and peer_listing is not None and fx is not None:
        move = _with_premium(move, listing, peer, peer_listing, fx)
    if benchmark is None or benchmark.empty:
        return move
    _check(benchmark, "benchmark")
    symbol = benchmark_symbol or (str(benchmark["symbol"].iloc[0]) if "symbol" in benchmark.columns else "benchmark")
    bench = _only(benchmark, symbol)
    bench_close = _line(bench if not bench.empty else benchmark, axis_days, symbol).adjusted
    return _with_abnormal(move, line.adjusted, bench_close, symbol, j, model, window, min_obs)


def _with_premium(move: Move, listing: Listing, peer: pd.DataFrame, peer_listing: Listing, fx: pd.DataFrame) -> Move:
    """A/H premium on the session: same-date closes of both lines, FX as of the date (latest ≤ it)."""
    if {listing.currency, peer_listing.currency} != {"CNY", "HKD"}:
        return move
    peer_rows = trusted(peer[peer["symbol"] == peer_listing.symbol] if "symbol" in peer.columns else peer)
    peer_row = peer_rows[peer_rows["session"] == move.session]
    fx_rows = fx[fx["session"] <= move.session].sort_values("session")
    if peer_row.empty or fx_rows.empty:
        return move.model_copy(update={"flags": (*move.flags, "ah_premium_unavailable")})
    peer_close = float(peer_row["close"].iloc[0])
    rate = float(fx_rows["close"].iloc[-1])
    a, h = (move.close, peer_close) if listing.currency == "CNY" else (peer_close, move.close)
    return move.model_copy(update={"ah_premium_pct": ah_premium(a, h, rate)})


def _with_abnormal(
    move: Move,
    close: np.ndarray,
    bench_close: np.ndarray,
    symbol: str,
    prev: int,
    model: Model,
    window: tuple[int, int],
    min_obs: int,
) -> Move:
    """Add the abnormal return vs the benchmark on the same session axis (see movedesk.detect.returns).

    When the session's return spans k > 1 sessions (the previous bar is a placeholder or missing), the
    AR is taken over the span: R − (k·α + β·M) with M the benchmark's return over the same sessions
    (its close on the session over its close on the stock's previous real session), standardised by
    σ·√k, and flagged ``ar_spans_sessions``.
    """
    m = simple_returns(bench_close[:, None])[:, 0]
    r = simple_returns(close[:, None])
    pos = len(close) - 1
    span = pos - prev
    update: dict[str, object] = {"benchmark": symbol, "model": model}
    big_m = float(bench_close[pos] / bench_close[prev] - 1.0)
    if not math.isfinite(big_m):
        update["flags"] = (*move.flags, "benchmark_missing")
        return move.model_copy(update=update)
    update["benchmark_pct"] = big_m * 100
    lo, hi = max(0, pos + window[0]), max(0, pos + window[1] + 1)
    est_m = m[lo:hi]
    est_m = est_m[np.isfinite(est_m)]
    if span == 1 and len(est_m) >= 2 and est_m.std(ddof=1) > 0:
        bz = float((m[pos] - est_m.mean()) / est_m.std(ddof=1))
        update["benchmark_z"] = bz
        update["market_day"] = abs(bz) >= MARKET_DAY_Z
    res = abnormal_returns(r, m, model=model, window=window, min_obs=min_obs, threads=1)
    flags = list(move.flags)
    if not math.isfinite(res.sigma[pos, 0]):
        flags.append("insufficient_history")
    elif span > 1:
        big_r = close[pos] / close[prev] - 1.0
        # market-adjusted has α = 0, β = 1, so this is R − M there
        ar = big_r - (span * res.alpha[pos, 0] + res.beta[pos, 0] * big_m)
        z = float(ar / (res.sigma[pos, 0] * math.sqrt(span)))
        update.update(ar=float(ar * 100), z=z, p=float(p_value(z, res.dof[pos, 0])))
        flags.append("ar_spans_sessions")
    elif not math.isfinite(res.ar[pos, 0]):
        flags.append("ar_unavailable_after_gap")
    else:
        z = float(res.sar[pos, 0])
        update["ar"] = float(res.ar[pos, 0] * 100)
        update["z"] = z
        update["p"] = float(p_value(z, res.dof[pos, 0]))
        car, car_t = res.car((-(CAR_SESSIONS - 1), 0))
        if math.isfinite(car[pos, 0]):
            update["car_pct"] = float(car[pos, 0] * 100)
            update["car_z"] = float(car_t[pos, 0])
            update["car_sessions"] = CAR_SESSIONS
    update["flags"] = tuple(flags)
    return move.model_copy(update=update)


def recent_changes(bars: pd.DataFrame, sessions: int = 10) -> list[dict[str, Any]]:
    """Close-to-close changes of each symbol over its last ``sessions`` unflagged bars, newest first."""
    rows: list[dict[str, Any]] = []
    for symbol, group in bars.groupby("symbol"):
        group = group[group["flags"].isna()].tail(sessions + 1)
        closes = group["close"].tolist()
        days = group["session"].tolist()
        for i in range(1, len(closes)):
            rows.append(
                {
                    "symbol": symbol,
                    "session": days[i],
                    "close": closes[i],
                    "pct": (closes[i] / closes[i - 1] - 1) * 100 if closes[i - 1] else None,
                }
            )
    rows.sort(key=lambda r: (r["session"], r["symbol"]), reverse=True)
    return rows
