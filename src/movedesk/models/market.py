"""Market models: Company, Listing, Bar and Move."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from movedesk.models.base import Model

LimitRule = Literal["none", "pct10", "pct20", "pct5", "pct30"]


class Listing(Model):
    """One tradable line of a company on one exchange."""

    kind: ClassVar[str] = "listing"
    symbol: str
    mic: str = Field(description="ISO 10383 exchange code of the calendar, e.g. XSHG, XHKG, XNYS")
    currency: str
    board: str = ""
    limit_rule: LimitRule = "none"
    benchmarks: tuple[str, ...] = ()
    label: str = Field("", description="How the news names this line: 'Shanghai', 'Hong Kong', 'New York'")


class Company(Model):
    """A company with all its listings and the names the news uses for it."""

    kind: ClassVar[str] = "company"
    id: str
    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    sector: str = ""
    is_index: bool = False

    def listing(self, symbol: str) -> Listing | None:
        return next((x for x in self.listings if x.symbol == symbol), None)


class Bar(Model):
    """One daily bar; ``flags`` keeps the data-quality codes of the source (never dropped silently)."""

    kind: ClassVar[str] = "bar"
    symbol: str
    session: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None = None
    flags: tuple[str, ...] = ()


class Move(Model):
    """What a listing did on a session: descriptors from bars, and how unusual that was.

    Percentages are in percent (10.35 means +10.35%). ``None`` means the figure could not be computed
    from the bars (suspension, placeholder bar, thin history) — never a guess.
    """

    kind: ClassVar[str] = "move"
    symbol: str
    session: dt.date
    prev_session: dt.date | None = None
    close: float
    prev_close: float | None = None
    close_pct: float | None = None
    high_pct: float | None = None
    low_pct: float | None = None
    gap_pct: float | None = None
    prev_pct: float | None = None
    cum_pct: dict[int, float] = Field(default_factory=dict)
    streak: int = 0
    limit_pct: float | None = None
    limit_hit: Literal["up", "down"] | None = None
    limit_distance_pct: float | None = None
    volume_ratio: float | None = None
    benchmark: str | None = None
    benchmark_pct: float | None = None
    ar: float | None = None
    z: float | None = None
    p: float | None = None
    market_day: bool = False
    flags: tuple[str, ...] = ()
    # added by the detect layer (optional, defaults keep older JSON valid)
    model: str | None = Field(None, description="Abnormal-return model: market-model or market-adjusted")
    benchmark_z: float | None = Field(None, description="The benchmark's own move in standard deviations")
    car_pct: float | None = Field(None, description="Cumulative abnormal return over car_sessions, in %")
    car_z: float | None = Field(None, description="t-statistic of car_pct")
    car_sessions: int | None = Field(None, description="Sessions in the CAR window, ending on the session")
    ah_premium_pct: float | None = Field(None, description="A-share price over the H-share price in CNY, in %")
