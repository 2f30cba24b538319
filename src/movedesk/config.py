"""Settings: one pydantic-settings object read from ``MOVEDESK_*`` variables, passed explicitly."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_path() -> Path:
    """Per-user data dir, e.g. ``~/.local/share/movedesk/movedesk.duckdb``."""
    return Path(platformdirs.user_data_dir("movedesk")) / "movedesk.duckdb"


#: The default significance threshold of an abnormal move (|z|), used wherever none is given.
MIN_ABS_Z = 2.0


def export_settings(settings: Settings, *names: str) -> None:
    """Put settings into this process's ``MOVEDESK_*`` environment, for the processes it starts (web
    workers) to read back as their Settings."""
    for name in names:
        os.environ[f"MOVEDESK_{name.upper()}"] = str(getattr(settings, name))


def is_server_url(url: object) -> bool:
    """Whether a store URL names a PostgreSQL database (many processes at once) rather than a DuckDB file."""
    return str(url).startswith(("postgres://", "postgresql://"))


class Settings(BaseSettings):
    """Every setting has a default and a help line; the CLI's ``--db`` overrides ``MOVEDESK_DB``."""

    model_config = SettingsConfigDict(env_prefix="MOVEDESK_", extra="ignore", env_ignore_empty=True)

    db: str = Field(
        default_factory=lambda: str(default_db_path()),
        description="Store: a DuckDB file path, or postgresql://user@host:port/database for a shared store",
    )
    lookback_days: int = Field(7, description="Days of news before a session that explain considers")
    tolerance_pct: float = Field(
        0.15, description="Percentage points within which a claimed move is 'roughly true'"
    )
    min_abs_z: float = Field(MIN_ABS_Z, description="|z| of the abnormal return above which a move is significant")
    near_dup_threshold: float = Field(0.8, description="Jaccard similarity for near-duplicate articles")
    allow_private: bool = Field(False, description="Allow fetching from private/loopback addresses")
    secret_key: str = Field("", description="Key that signs unsubscribe and confirmation links")
    smtp_host: str = Field("localhost", description="SMTP host for the newsletter")
    smtp_port: int = Field(25, description="SMTP port")
    smtp_user: str = Field("", description="SMTP user name (empty: no auth)")
    smtp_password: str = Field("", description="SMTP password")
    smtp_tls: bool = Field(False, description="Use STARTTLS")
    mail_from: str = Field("movedesk <briefs@localhost>", description="From: address of mails")
    sentiment: str = Field(
        "auto", description="Sentence sentiment method: auto, lm, linear or embed (README, Sentiment)"
    )
    sentiment_model: str = Field("", description="A trained linear sentiment model (.npz) to use instead")
    cache: str = Field("", description="Folder of locally trained models and unpacked encoders (default: user cache)")
    shared: str = Field("", description="The shared data folder the evaluations read (default: ../shared)")
    holidays: str = Field(
        "", description="CSV of exchange holidays (mic,date[,name]) for years exchange_calendars does not list yet"
    )
    closures: str = Field(
        "",
        description="CSV of unscheduled closures and early closes (mic,date,kind[,close_time][,name]): typhoon "
        "days, days of mourning, half-days the exchange calendars do not know (docs/live.md)",
    )
    catchup_days: int = Field(
        7, ge=0, description="How far back (days) `movedesk schedule` catches up runs it missed; older ones are left"
    )
    contact: str = Field(
        "",
        description="Name and e-mail the desk's User-Agent carries when it polls news sources, e.g. 'Jane Doe "
        "jane@example.com' (the SEC requires one for EDGAR)",
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL of the web app, for links in mails")
    scheduler: str = Field(
        "",
        description="Dask scheduler for batch work (scans, news archives): tcp://host:port, local[:N] for N local "
        "worker processes, or empty for this process alone (docs/dask.md)",
    )


def current_settings() -> Settings:
    """The settings as the environment gives them now, for code called without any: built once per
    distinct set of ``MOVEDESK_*`` variables (building Settings costs about half a millisecond, and an
    extraction run without settings asks for them per article)."""
    return _settings_for(frozenset((k, v) for k, v in os.environ.items() if k.upper().startswith("MOVEDESK_")))


@functools.lru_cache(maxsize=16)
def _settings_for(environment: frozenset[tuple[str, str]]) -> Settings:
    return Settings()
