"""Bar validation that flags, never drops: a report of what looks wrong, and the codes on each bar.

Codes added to a bar's ``flags`` (``;``-separated, next to the source's own codes):

==========================  ==================================================================
``high_lt_low``             high < low
``close_outside_range``     close above the high or below the low (beyond float32 rounding)
``nonpositive_price``       a price ≤ 0
``duplicate_date``          the (symbol, session) appeared more than once; the first row is kept
``zero_volume_session``     volume 0 on a full session (not an exchange half-day)
``possible_split``          |return| > 40% and the price ratio is close to a common split ratio
``qfq``                     the source says the prices are forward-adjusted (``price_basis=qfq``)
==========================  ==================================================================

Unsorted input is reported (``unsorted_dates``) and sorted. With ``strict=True`` unsorted or duplicated
dates raise :class:`~movedesk.errors.DataValidationError` instead.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from movedesk.errors import DataValidationError

log = logging.getLogger(__name__)

#: Split ratios a jump is compared with (new price / old price).
SPLIT_RATIOS = np.array([1 / r for r in (2, 3, 4, 5, 8, 10, 20, 1.5, 1.25)] + [2, 3, 4, 5, 10, 20, 1.5])
SPLIT_MIN_ABS_RETURN = 0.40
SPLIT_TOLERANCE = 0.03
#: Relative slack for ``close_outside_range``: sources rounded to float32 (≈6e-8) or to cents.
RANGE_SLACK = 1e-6


@dataclass
class Issue:
    code: str
    symbol: str
    session: object
    detail: str = ""


@dataclass
class ValidationReport:
    """What validation found: one Issue per flagged bar (first ``max_issues`` kept) and counts per code."""

    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    totals: Counter[str] = field(default_factory=Counter)
    max_issues: int = 1000

    def add(self, code: str, frame: pd.DataFrame, detail: str = "") -> None:
        self.totals[code] += len(frame)
        room = self.max_issues - len(self.issues)
        for sym, day in frame[["symbol", "session"]].head(max(room, 0)).itertuples(index=False):
            self.issues.append(Issue(code, str(sym), day, detail))

    def counts(self) -> dict[str, int]:
        return dict(self.totals)

    def merge(self, other: ValidationReport) -> ValidationReport:
        out = ValidationReport(self.rows + other.rows, self.issues + other.issues, self.totals + other.totals)
        return out

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(i.code, i.symbol, i.session, i.detail) for i in self.issues],
            columns=["code", "symbol", "session", "detail"],
        )

    def __bool__(self) -> bool:
        return bool(self.totals)


def _add_flag(flags: np.ndarray, mask: np.ndarray, code: str) -> None:
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    out = []
    for current in flags[idx]:
        if not isinstance(current, str) or not current:
            out.append(code)
        elif code in current.split(";"):
            out.append(current)
        else:
            out.append(f"{current};{code}")
    flags[idx] = out


def _half_day_mask(bars: pd.DataFrame) -> np.ndarray:
    """True where the bar's exchange closed early that day (volume may legitimately be small/zero)."""
    from movedesk.calendars import calendar
    from movedesk.errors import MovedeskError
    from movedesk.registry import default_registry

    reg = default_registry()
    out = np.zeros(len(bars), dtype=bool)
    sessions = pd.to_datetime(bars["session"])
    for sym, idx in bars.groupby("symbol", sort=False).indices.items():
        company = reg.by_symbol.get(str(sym))
        listing = company.listing(str(sym)) if company else None
        if listing is None:
            continue
        try:
            early = calendar(listing.mic).early_closes
        except MovedeskError:
            continue
        out[idx] = sessions.iloc[idx].isin(early).to_numpy()
    return out


def validate_bars(
    bars: pd.DataFrame, *, strict: bool = False, report: ValidationReport | None = None
) -> tuple[pd.DataFrame, ValidationReport]:
    """Sort, de-duplicate (first kept) and flag ``bars``; return them with a report of every finding."""
    report = report if report is not None else ValidationReport()
    report.rows += len(bars)
    if bars.empty:
        return bars.copy(), report
    frame = bars.reset_index(drop=True)
    if frame["close"].isna().any():
        bad = frame[frame["close"].isna()].iloc[0]
        raise DataValidationError(f"bar with no close: {bad['symbol']} {bad['session']}")
    ses = pd.to_datetime(frame["session"])
    sym = frame["symbol"].to_numpy()
    same_sym = sym[1:] == sym[:-1]
    backwards = (ses.to_numpy()[1:] <= ses.to_numpy()[:-1]) & same_sym
    sym_unsorted = bool((sym[1:] < sym[:-1]).any())
    if backwards.any() or sym_unsorted:
        first = frame.iloc[int(np.flatnonzero(backwards)[0]) + 1] if backwards.any() else frame.iloc[0]
        if strict:
            raise DataValidationError(
                f"dates are not sorted or not unique: {first['symbol']} {first['session']} follows a later or "
                "equal date",
                hint="sort by symbol and date and remove duplicates, or ingest without --strict",
            )
        report.add("unsorted_dates", frame.iloc[0:0])
        report.totals["unsorted_dates"] += 1
        frame = frame.assign(_ses=ses).sort_values(["symbol", "_ses"], kind="stable").drop(columns="_ses")
        frame = frame.reset_index(drop=True)
        ses = pd.to_datetime(frame["session"])
    flags = frame["flags"].astype(object).to_numpy(copy=True)
    dup = frame.duplicated(["symbol", "session"], keep="first").to_numpy()
    if dup.any():
        if strict:
            row = frame[dup].iloc[0]
            raise DataValidationError(f"duplicated date {row['session']} for {row['symbol']}")
        report.add("duplicate_date", frame[dup], "dropped the repeated row, kept the first")
        kept_dups = frame.duplicated(["symbol", "session"], keep=False).to_numpy() & ~dup
        _add_flag(flags, kept_dups, "duplicate_date")
        frame = frame.loc[~dup].reset_index(drop=True)
        flags = flags[~dup]
        ses = pd.to_datetime(frame["session"])
    o, h, lo, c = (frame[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close"))
    v = frame["volume"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        checks: list[tuple[str, np.ndarray]] = [
            ("high_lt_low", h < lo),
            ("close_outside_range", (c > h * (1 + RANGE_SLACK)) | (c < lo * (1 - RANGE_SLACK))),
            ("nonpositive_price", (c <= 0) | (o <= 0) | (h <= 0) | (lo <= 0)),
        ]
        zero_vol = v == 0
        if zero_vol.any():
            zero_vol &= ~_half_day_mask(frame)
        checks.append(("zero_volume_session", zero_vol))
        sym = frame["symbol"].to_numpy()
        prev_c = np.r_[np.nan, c[:-1]]
        prev_c[np.r_[True, sym[1:] != sym[:-1]]] = np.nan
        ratio = c / prev_c
        jump = np.abs(ratio - 1) > SPLIT_MIN_ABS_RETURN
        split = np.zeros(len(frame), dtype=bool)
        if jump.any():
            r = ratio[jump]
            split[jump] = np.min(np.abs(r[:, None] / SPLIT_RATIOS[None, :] - 1.0), axis=1) < SPLIT_TOLERANCE
        checks.append(("possible_split", split))
    if "price_basis" in frame.columns:
        checks.append(("qfq", (frame["price_basis"].astype(str) == "qfq").to_numpy()))
    for code, mask in checks:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            report.add(code, frame.loc[mask])
            _add_flag(flags, mask, code)
    frame["flags"] = pd.Series(flags, index=frame.index, dtype=object).where(
        pd.notna(flags) & (pd.Series(flags, index=frame.index) != ""), None
    )
    if report:
        log.info("validation flagged %s", report.counts())
    return frame, report
