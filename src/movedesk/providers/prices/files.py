"""Price files: long format (symbol, date/session, open, high, low, close, volume[, flag]) and wide format.

Columns are always read by header name, never by position (the shared data has files whose headers are
``Date,Close,High,Low,Open,Vol`` or ``date,open,close,high,low``). A ``column_map`` renames source columns
(``{"Date": "session", "Vol": "volume"}``); common spellings (``date``, ``Date``, ``Adj Close``…) are
recognised without one. A file missing a required column is refused with :class:`MissingColumn` naming
it. Bad bars are flagged, not dropped (see :mod:`movedesk.providers.prices.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from movedesk.errors import ConfigError, DataValidationError, MissingColumn, ProviderError
from movedesk.providers.prices.validate import ValidationReport, validate_bars

REQUIRED = ("symbol", "session", "close")
OPTIONAL = ("open", "high", "low", "volume", "flags")
COLUMNS = ("symbol", "session", "open", "high", "low", "close", "volume", "flags", "adj_ratio", "action")
#: Spellings recognised without a column map (matched case-insensitively).
SYNONYMS = {
    "date": "session",
    "datetime": "session",
    "trade_date": "session",
    "session": "session",
    "ticker": "symbol",
    "code": "symbol",
    "symbol": "symbol",
    "flag": "flags",
    "flags": "flags",
    "vol": "volume",
    "volume": "volume",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj_ratio": "adj_ratio",
    "action": "action",
}
#: Extra columns kept through normalisation because validation uses them.
PASSTHROUGH = ("price_basis",)


def parse_column_map(items: Iterable[str]) -> dict[str, str]:
    """``["Date=session", "Vol=volume"]`` → ``{"Date": "session", "Vol": "volume"}``."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--column {item!r}: expected SOURCE=FIELD, e.g. --column Date=session")
        src, dst = item.split("=", 1)
        out[src.strip()] = dst.strip()
    return out


def normalise_columns(raw: pd.DataFrame, column_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rename by the explicit map first, then by known spellings; never by position."""
    column_map = dict(column_map or {})
    renames: dict[str, str] = {}
    targets = set(column_map.values())
    for col in raw.columns:
        name = str(col)
        if name in column_map:
            renames[name] = column_map[name]
            continue
        canon = SYNONYMS.get(name.strip().lower())
        if canon and canon not in targets and canon not in renames.values():
            renames[name] = canon
    return raw.rename(columns=renames)


def to_bars(frame: pd.DataFrame, source_columns: Iterable[object] = ()) -> pd.DataFrame:
    """A renamed frame → the store's bar columns with dtypes; MissingColumn names what is absent."""
    for col in REQUIRED:
        if col not in frame.columns:
            have = ", ".join(map(str, list(source_columns) or list(frame.columns)))
            raise MissingColumn(f"price data has no {col!r} column (columns: {have})")
    out = pd.DataFrame(index=frame.index)
    out["symbol"] = frame["symbol"].astype(str)
    try:
        out["session"] = pd.to_datetime(frame["session"]).dt.date
    except (ValueError, TypeError) as exc:
        raise DataValidationError(f"the session/date column cannot be read as dates: {exc}") from exc
    for col in ("open", "high", "low", "close", "volume"):
        out[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame.columns else float("nan")
    if "flags" in frame.columns:
        flags = frame["flags"].astype(object)
        out["flags"] = flags.where(flags.notna() & (flags != ""), None)
    else:
        out["flags"] = None
    # corporate actions (store/migrations/0004): the multiplier of the adjusted return on an ex-date, and what
    has_ratio = "adj_ratio" in frame.columns
    out["adj_ratio"] = pd.to_numeric(frame["adj_ratio"], errors="coerce") if has_ratio else float("nan")
    action = frame["action"].astype(object) if "action" in frame.columns else pd.Series(None, index=frame.index)
    out["action"] = action.where(action.notna() & (action != ""), None)
    for col in PASSTHROUGH:
        if col in frame.columns:
            out[col] = frame[col]
    return out


class FilePriceProvider:
    """Base of the file providers: fetch (read) → normalise (rename, type) → validate (flag)."""

    name = "file"

    def __init__(
        self, column_map: Mapping[str, str] | None = None, *, symbol: str | None = None, strict: bool = False
    ) -> None:
        self.column_map = dict(column_map or {})
        self.symbol = symbol
        self.strict = strict
        self.report = ValidationReport()

    def read(self, path: Path) -> pd.DataFrame:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path, dtype={"symbol": str, "code": str, "ticker": str})
        raise DataValidationError(f"{path}: unknown price file type {suffix!r}; use .csv or .parquet")

    def fetch(self, query: Any) -> pd.DataFrame:
        path = Path(query)
        if not path.exists():
            raise ProviderError(f"price file {path} does not exist")
        if path.stat().st_size == 0:
            raise DataValidationError(f"price file {path} is empty")
        try:
            raw = self.read(path)
        except (ValueError, OSError) as exc:
            raise DataValidationError(f"cannot read {path} as {self.name}: {exc}") from exc
        if self.symbol is None and not {"symbol", "ticker", "code"} & {str(c).lower() for c in raw.columns}:
            raw = raw.assign(symbol=path.stem)  # one-symbol file named after its symbol (0981.HK.csv)
        return raw

    def normalise(self, raw: pd.DataFrame) -> pd.DataFrame:
        frame = normalise_columns(raw, self.column_map)
        if self.symbol is not None:
            frame = frame.assign(symbol=self.symbol)
        return to_bars(frame, raw.columns)

    def validate(self, bars: pd.DataFrame) -> pd.DataFrame:
        out, self.report = validate_bars(bars, strict=self.strict)
        return out[list(COLUMNS)]

    def load(self, path: str | Path) -> pd.DataFrame:
        return self.validate(self.normalise(self.fetch(path)))


class CsvPriceProvider(FilePriceProvider):
    name = "csv"

    def read(self, path: Path) -> pd.DataFrame:
        return pd.read_csv(path, dtype={"symbol": str, "code": str, "ticker": str})


class ParquetPriceProvider(FilePriceProvider):
    name = "parquet"

    def read(self, path: Path) -> pd.DataFrame:
        return pd.read_parquet(path)


class WidePriceProvider(FilePriceProvider):
    """A wide file of closes: one date column and one column per symbol.

    ``column_map`` renames the date column (``{"Date": "session"}``) and/or symbol columns
    (``{"SMIC A": "688981.SS"}``); columns mapped to ``"-"`` are ignored.
    """

    name = "wide"

    def fetch(self, query: Any) -> pd.DataFrame:
        path = Path(query)
        if not path.exists():
            raise ProviderError(f"price file {path} does not exist")
        try:
            return self.read(path)
        except (ValueError, OSError) as exc:
            raise DataValidationError(f"cannot read {path} as a wide price file: {exc}") from exc

    def normalise(self, raw: pd.DataFrame) -> pd.DataFrame:
        frame = raw.rename(columns={k: v for k, v in self.column_map.items() if v != "-"})
        frame = frame.drop(columns=[k for k, v in self.column_map.items() if v == "-" and k in frame.columns])
        if "session" not in frame.columns:
            date_cols = [c for c in frame.columns if SYNONYMS.get(str(c).strip().lower()) == "session"]
            if not date_cols:
                raise MissingColumn(f"wide price data has no date column (columns: {', '.join(map(str, raw.columns))})")
            frame = frame.rename(columns={date_cols[0]: "session"})
        long = frame.melt(id_vars=["session"], var_name="symbol", value_name="close")
        long = long[long["close"].notna()].sort_values(["symbol", "session"], kind="stable")
        return to_bars(long.reset_index(drop=True), raw.columns)


def provider_for(path: str | Path, **options: Any) -> FilePriceProvider:
    """The file provider for ``path`` by its suffix (options: column_map, symbol, strict)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return ParquetPriceProvider(**options)
    if suffix in (".csv", ".txt"):
        return CsvPriceProvider(**options)
    raise DataValidationError(f"{path}: unknown price file type {suffix!r}; use .csv or .parquet")


def load_price_file(path: str | Path, **options: Any) -> pd.DataFrame:
    """Read, normalise and validate one price file into the store's bar frame (bad bars flagged)."""
    return provider_for(path, **options).load(path)


def load_price_file_with_report(
    path: str | Path, *, wide: bool = False, **options: Any
) -> tuple[pd.DataFrame, ValidationReport]:
    """Like :func:`load_price_file`, also returning the validation report (``wide``: a file of closes)."""
    provider: FilePriceProvider = WidePriceProvider(**options) if wide else provider_for(path, **options)
    bars = provider.load(path)
    return bars, provider.report
