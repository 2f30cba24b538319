"""Abnormal returns for a whole panel at once: market-adjusted and market-model, vectorised.

A *panel* is a sessions × symbols matrix of closes on one exchange calendar. Missing bars and bars the
source flagged as not real trades are NaN — never forward-filled — so a return exists only when both
its session and the session before have a trusted close (a return across a suspension is not a daily
return and is left out).

Market model, for every (session t, symbol) at once: OLS of the stock's return on the benchmark's over
the estimation window of sessions [t-250, t-11] (``window``), using only sessions where both returns
exist, and only when at least ``min_obs`` do. The six window sums (n, Σx, Σy, Σx², Σxy, Σy²) come from
cumulative sums, so the cost is O(T·N) whatever the window length; the data are centred per column
first so the differences of cumulative sums keep full precision (agreement with statsmodels' OLS is
tested to 1e-9).

* ``ar``    = r_t − (α + β m_t)
* ``sigma`` = √(SSR / (n − 2)), the residual standard error of the estimation window
* ``sar``   = ar / (sigma · √(1 + 1/n + (m_t − m̄)² / Sxx)), the standardised AR with the forecast-error
  correction; under H0 it is Student-t with n − 2 degrees of freedom, so ``t`` = ``sar`` and
  ``p`` = 2·P(T > |t|).
* CAR over [τ1, τ2] around t uses t's parameters, with
  Var = σ²·(L + L²/n + (ΣM − L·m̄)² / Sxx) (Campbell, Lo & MacKinlay 1997, ch. 4).

Market-adjusted: ar = r − m, sigma = sample standard deviation of (r − m) over the window, sar = ar /
sigma with n − 1 degrees of freedom; CAR variance L·σ².
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from movedesk.errors import DataValidationError, InsufficientData, MissingColumn

Model = Literal["market-model", "market-adjusted"]
ESTIMATION_WINDOW = (-250, -11)
MIN_OBS = 120
#: Source flags that mean "this row is not a traded price" (see the data manifests).
UNTRUSTED_FLAGS = ("yf_placeholder_bar", "non_trading_day", "zero_volume_flat", "nonpositive_price")

#: Cell states of a panel.
MISSING, TRUSTED, UNTRUSTED = 0, 1, 2


@dataclass
class Panel:
    """Closes (and optionally OHLV) on a session axis; NaN where there is no trusted bar."""

    sessions: np.ndarray  # datetime64[D], shape (T,)
    symbols: list[str]
    close: np.ndarray  # (T, N)
    state: np.ndarray  # (T, N) int8: MISSING / TRUSTED / UNTRUSTED
    open: np.ndarray | None = None
    high: np.ndarray | None = None
    low: np.ndarray | None = None
    volume: np.ndarray | None = None
    dropped_rows: int = 0  # bars on dates that are not sessions of the axis
    adjusted: np.ndarray | None = None  # (T, N) closes scaled for dividends and splits (back_adjusted)

    @property
    def returns_close(self) -> np.ndarray:
        """The closes whose returns are the stock's returns: adjusted where ex-dates are known, else as traded."""
        return self.close if self.adjusted is None else self.adjusted

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.close.shape[0]), int(self.close.shape[1]))

    def position(self, session: dt.date) -> int:
        pos = int(np.searchsorted(self.sessions, np.datetime64(session, "D")))
        if pos >= len(self.sessions) or self.sessions[pos] != np.datetime64(session, "D"):
            raise InsufficientData(f"{session} is not on this panel's session axis")
        return pos

    def column(self, symbol: str) -> int:
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise InsufficientData(f"{symbol} is not in the panel") from None


def untrusted_mask(flags: pd.Series) -> np.ndarray:
    """True where the source's flags say the row is not a traded price."""
    out = np.zeros(len(flags), dtype=bool)
    present = flags.notna().to_numpy()
    if present.any():
        sub = flags[present].astype(str)
        hit = np.zeros(len(sub), dtype=bool)
        for code in UNTRUSTED_FLAGS:
            hit |= sub.str.contains(code, regex=False).to_numpy()
        out[present] = hit
    return out


def _days(column: pd.Series) -> np.ndarray:
    """A date column (python dates, strings or datetimes) as datetime64[D], converting each distinct value once."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.to_numpy().astype("datetime64[D]")
    codes, uniques = pd.factorize(column)
    conv = pd.to_datetime(pd.Index(uniques)).to_numpy().astype("datetime64[D]")
    out = conv[codes]
    if (codes < 0).any():
        raise DataValidationError("bars with no session date")
    return out


def build_panel(
    bars: pd.DataFrame,
    sessions: Sequence[dt.date] | np.ndarray | pd.DatetimeIndex | None = None,
    *,
    symbols: Sequence[str] | None = None,
    ohlv: bool = True,
) -> Panel:
    """Long bars (symbol, session, close[, open, high, low, volume, flags]) → a Panel.

    ``sessions`` is the axis (an exchange calendar's sessions); by default the sorted union of the bars'
    dates. Bars on other dates are dropped and counted in ``dropped_rows``. Duplicated (symbol, session)
    pairs are refused.
    """
    for col in ("symbol", "session", "close"):
        if col not in bars.columns:
            raise MissingColumn(f"bars have no {col!r} column")
    days = _days(bars["session"])
    if sessions is None:
        axis = np.sort(pd.unique(days.view(np.int64))).view("datetime64[D]")
    else:
        axis = np.asarray(pd.to_datetime(pd.Index(sessions)).to_numpy().astype("datetime64[D]"))
        if len(axis) > 1 and (np.diff(axis).astype(np.int64) <= 0).any():
            raise DataValidationError("the session axis is not sorted and unique")
    codes, uniques = pd.factorize(bars["symbol"].astype(str), sort=True)
    names = [str(u) for u in uniques]
    if symbols is not None:
        names_idx = {s: i for i, s in enumerate(symbols)}
        remap = np.array([names_idx.get(s, -1) for s in names], dtype=np.int64)
        cols = remap[codes] if len(codes) else codes
        names = list(symbols)
    else:
        cols = codes
    pos = np.searchsorted(axis, days)
    ok = (pos < len(axis)) & (cols >= 0)
    ok[ok] &= axis[pos[ok]] == days[ok]
    dropped = int((~ok).sum())
    t_idx, n_idx = pos[ok], cols[ok]
    flat = t_idx * len(names) + n_idx
    if len(flat) and np.bincount(flat, minlength=len(axis) * len(names)).max() > 1:
        raise DataValidationError("duplicated (symbol, session) bars; validate the prices first")
    bad = untrusted_mask(bars["flags"])[ok] if "flags" in bars.columns else np.zeros(len(t_idx), dtype=bool)
    close_v = bars["close"].to_numpy(dtype=float)[ok]
    bad |= ~np.isfinite(close_v) | (close_v <= 0)
    n_t = len(axis)
    # scatter symbol-major (the usual sort of long bars: sequential writes), then one transpose copy
    flat_nt = n_idx * n_t + t_idx
    state_nt = np.zeros(len(names) * n_t, dtype=np.int8)
    state_nt[flat_nt] = np.where(bad, UNTRUSTED, TRUSTED)
    state = np.ascontiguousarray(state_nt.reshape(len(names), n_t).T)
    good_flat = flat_nt[~bad]
    keep = np.flatnonzero(ok)[~bad]

    def matrix(col: str) -> np.ndarray:
        buf = np.full(len(names) * n_t, np.nan)
        buf[good_flat] = bars[col].to_numpy(dtype=float)[keep]
        return np.ascontiguousarray(buf.reshape(len(names), n_t).T)

    panel = Panel(axis, names, matrix("close"), state, dropped_rows=dropped)
    if "adj_ratio" in bars.columns and bars["adj_ratio"].notna().any():
        # ratios on every bar of the axis, untrusted ones included: an ex-date's ratio applies even when
        # its bar is not used
        buf = np.full(len(names) * n_t, np.nan)
        buf[flat_nt] = bars["adj_ratio"].to_numpy(dtype=float)[ok]
        panel.adjusted = back_adjusted(panel.close, np.ascontiguousarray(buf.reshape(len(names), n_t).T))
    if ohlv:
        for col in ("open", "high", "low", "volume"):
            if col in bars.columns:
                setattr(panel, col, matrix(col))
    return panel


def back_adjusted(close: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Closes (as traded) scaled so that their simple returns are the adjusted ones, close_t·ratio_t/close_{t−1} − 1.

    ``ratio`` (same shape; NaN = 1) is the bars' ``adj_ratio``: set on ex-dates by a provider that knows the
    dividends and splits. Each close is divided by the product of the ratios of the later sessions, so the
    last close stays as traded and a return across a gap still takes every ratio in between."""
    r = np.where(np.isfinite(ratio), ratio, 1.0)
    after = np.ones_like(r)
    if len(r) > 1:
        after[:-1] = np.cumprod(r[::-1], axis=0)[::-1][1:]
    return close / after


def simple_returns(close: np.ndarray) -> np.ndarray:
    """Close-to-close returns along axis 0; NaN when either close is missing (no forward fill)."""
    out = np.full(close.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[1:] = close[1:] / close[:-1] - 1.0
    return out


def _window_sums(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum over rows [lo, hi) per row t, from a prefix sum ``cum`` with a leading zero row."""
    return cum[hi] - cum[lo]


def _prefix(a: np.ndarray) -> np.ndarray:
    out = np.empty((a.shape[0] + 1, *a.shape[1:]))
    out[0] = 0.0
    np.cumsum(a, axis=0, out=out[1:])
    return out


def window_bounds(n_rows: int, window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds [lo, hi) of the window [t+a, t+b] for every t, clipped to the data."""
    a, b = window
    if a > b:
        raise DataValidationError(f"estimation window {window} is empty")
    t = np.arange(n_rows)
    return np.clip(t + a, 0, n_rows), np.clip(t + b + 1, 0, n_rows)


@dataclass
class AbnormalReturns:
    """Per (session, symbol): parameters, abnormal return and its significance. NaN = insufficient data."""

    model: Model
    window: tuple[int, int]
    min_obs: int
    r: np.ndarray
    m: np.ndarray
    ar: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    sigma: np.ndarray
    n: np.ndarray
    sar: np.ndarray
    mean_m: np.ndarray = field(repr=False)  # window mean of the benchmark return
    sxx: np.ndarray = field(repr=False)  # window Σ(m − m̄)²

    @property
    def dof(self) -> np.ndarray:
        return self.n - (2 if self.model == "market-model" else 1)

    def p_values(self, rows: np.ndarray | slice = slice(None), cols: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Two-sided p-values of ``sar`` (computed on demand: the t CDF is the expensive part)."""
        return p_value(self.sar[rows, cols], self.dof[rows, cols])

    def car(self, event_window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(CAR, its t-statistic) over [t+τ1, t+τ2] for every t, with t's parameters.

        p-values: :func:`p_value` on the cells you need (``dof`` = ``self.dof``).

        The CAR is NaN unless every session of the event window has a return (suspensions, thin data).
        """
        tau1, tau2 = event_window
        if tau1 > tau2:
            raise DataValidationError(f"event window {event_window} is empty")
        if tau1 <= self.window[1]:
            raise DataValidationError(f"event window {event_window} overlaps the estimation window {self.window}")
        valid = np.isfinite(self.r) & np.isfinite(self.m)[:, None]
        rr = np.where(valid, self.r, 0.0)
        mm = np.where(valid, np.broadcast_to(self.m[:, None], self.r.shape), 0.0)
        n_rows = self.r.shape[0]
        lo, hi = window_bounds(n_rows, event_window)
        length = tau2 - tau1 + 1
        count = _window_sums(_prefix(valid.astype(float)), lo, hi)
        sum_r = _window_sums(_prefix(rr), lo, hi)
        sum_m = _window_sums(_prefix(mm), lo, hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.model == "market-model":
                car = sum_r - length * self.alpha - self.beta * sum_m
                var = self.sigma**2 * (length + length**2 / self.n + (sum_m - length * self.mean_m) ** 2 / self.sxx)
            else:
                car = sum_r - sum_m
                var = self.sigma**2 * length
            car = np.where(count == length, car, np.nan)
            t = car / np.sqrt(var)
        return car, t


def p_value(t: np.ndarray | float, dof: np.ndarray | float) -> np.ndarray:
    """Two-sided p-value of a Student-t statistic; NaN where the statistic or dof is missing."""
    t_arr = np.asarray(t, dtype=float)
    dof_arr = np.asarray(dof, dtype=float)
    with np.errstate(invalid="ignore"):
        # special.stdtr is the CDF behind stats.t.sf without its per-call overhead
        return np.asarray(2.0 * special.stdtr(np.where(dof_arr > 0, dof_arr, np.nan), -np.abs(t_arr)))


def abnormal_returns(
    r: np.ndarray,
    m: np.ndarray,
    *,
    model: Model = "market-model",
    window: tuple[int, int] = ESTIMATION_WINDOW,
    min_obs: int = MIN_OBS,
    threads: int | None = None,
) -> AbnormalReturns:
    """Abnormal returns of every column of ``r`` (T×N returns) against ``m`` (T benchmark returns).

    Columns are processed in cache-sized blocks on ``threads`` threads (default: the CPU count); numpy
    releases the GIL, so the blocks run in parallel.
    """
    if model not in ("market-model", "market-adjusted"):
        raise DataValidationError(f"unknown abnormal-return model {model!r}; use market-model or market-adjusted")
    r = np.asarray(r, dtype=float)
    m = np.asarray(m, dtype=float)
    if r.ndim == 1:
        r = r[:, None]
    if m.shape != (r.shape[0],):
        raise DataValidationError(f"benchmark returns have shape {m.shape}, expected ({r.shape[0]},)")
    if window[1] >= 0:
        raise DataValidationError(f"estimation window {window} must end before the event day")
    min_obs = max(int(min_obs), 3)
    n_rows, n_cols = r.shape
    names = ("ar", "alpha", "beta", "sigma", "n", "sar", "mean_m", "sxx")
    out = {k: np.empty((n_rows, n_cols)) for k in names}
    blocks = [(c, min(c + _BLOCK, n_cols)) for c in range(0, n_cols, _BLOCK)]

    def run(block: tuple[int, int]) -> None:
        a, b = block
        res = _estimate_block(np.ascontiguousarray(r[:, a:b]), m, window, model, min_obs)
        for k in names:
            out[k][:, a:b] = res[k]

    workers = threads or os.cpu_count() or 1
    if workers > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, blocks))
    else:
        for block in blocks:
            run(block)
    return AbnormalReturns(model=model, window=window, min_obs=min_obs, r=r, m=m, **out)


_BLOCK = 32


def _estimate_block(
    r: np.ndarray, m: np.ndarray, window: tuple[int, int], model: Model, min_obs: int
) -> dict[str, np.ndarray]:
    """The window sums and estimates for one block of columns (see the module docstring)."""
    valid = np.isfinite(r) & np.isfinite(m)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        # centre per column (exact for OLS: shifts change only the intercept) for precise window sums
        counts = valid.sum(axis=0)
        cy = np.where(counts > 0, np.where(valid, r, 0.0).sum(axis=0) / np.maximum(counts, 1), 0.0)
        m_ok = np.isfinite(m)
        cm = float(m[m_ok].mean()) if m_ok.any() else 0.0
        y = np.where(valid, r - cy, 0.0)
        x = np.where(valid, (m - cm)[:, None], 0.0)
        k = y.shape[1]
        # prefix sums with -window[0] + 1 leading zero rows: the window sums are then two slices
        pad = -window[0] + 1
        n_rows = y.shape[0]
        stacked = np.empty((6, n_rows + pad, k))
        stacked[:, :pad] = 0.0
        body = stacked[:, pad:]
        body[0] = valid
        body[1] = x
        body[2] = y
        np.multiply(x, x, out=body[3])
        np.multiply(x, y, out=body[4])
        np.multiply(y, y, out=body[5])
        del x, y
        np.cumsum(body, axis=1, out=body)
        hi0, lo0 = pad + window[1], pad - 1 + window[0]
        sums = stacked[:, hi0 : hi0 + n_rows] - stacked[:, lo0 : lo0 + n_rows]
        del stacked, body
        n, sx, sy, sxx_raw, sxy, syy = sums
        enough = n >= min_obs
        mean_x = sx / n
        mt = (m - cm)[:, None]
        sxx = sxx_raw - sx * mean_x
        if model == "market-model":
            cov = sxy - sx * sy / n
            beta = cov / sxx
            alpha_c = (sy - beta * sx) / n
            ssr = (syy - sy * sy / n) - beta * cov
            sigma = np.sqrt(np.maximum(ssr, 0.0) / (n - 2))
            alpha = cy + alpha_c - beta * cm
            ar = (r - cy) - alpha_c - beta * mt
            dev = mt - mean_x
            scale = sigma * np.sqrt(1.0 + 1.0 / n + dev * dev / sxx)
            enough &= sxx > 0
        else:
            # d = r − m; its centring constant (cy − cm) does not change the variance
            sd = sy - sx
            sdd = syy - 2 * sxy + sxx_raw
            sigma = np.sqrt(np.maximum((sdd - sd * sd / n) / (n - 1), 0.0))
            beta = np.ones_like(n)
            alpha = np.zeros_like(n)
            ar = r - m[:, None]
            scale = sigma
        enough &= sigma > 0
        sar = ar / scale
    missing = ~enough
    for arr in (ar, alpha, beta, sigma, sar):
        arr[missing] = np.nan
    return {
        "ar": ar,
        "alpha": alpha,
        "beta": beta,
        "sigma": sigma,
        "n": n,
        "sar": sar,
        "mean_m": mean_x + cm,
        "sxx": sxx,
    }
