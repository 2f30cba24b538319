"""The one error tree of movedesk.

Every error carries a stable code (``W001``…), a message that names what was wrong, and a hint that
says what to do. Codes are never reused; the README lists them and a test keeps the two in step.

```
MovedeskError
├── ConfigError                 W001  bad setting or option
│   └── OutputNotWritable       W002  --out folder cannot be written
├── StoreError                  W010  the store cannot be opened or written
│   ├── StoreCorrupt            W011  the file (or database) is not a movedesk store
│   ├── StoreTooNew             W012  the store was written by a newer movedesk
│   └── StoreBusy               W013  another process holds the store's lock
├── ProviderError               W020  a price or news provider failed
│   ├── UnknownProvider         W021  no provider of that name is registered
│   └── FetchRefused            W022  a URL was refused (private address, robots.txt, size)
├── DataValidationError         W030  input data is malformed
│   ├── MissingColumn           W031  a required column is absent
│   └── InvalidLink             W032  a newsletter link is forged, damaged, expired or used
├── UnknownCompany              W040  no company/listing matches a name or symbol
├── NotATradingSession          W041  the date is not a session of the listing's exchange
│   └── CalendarHorizon         W044  the date is past what the installed exchange_calendars knows
├── NoCalendar                  W042  no exchange calendar for that exchange
├── InsufficientData            W043  too few bars/observations for a figure
└── UnknownCommand              W050  an unknown verb, component or format
```
"""

from __future__ import annotations


class MovedeskError(Exception):
    """Root of every error movedesk raises on purpose."""

    code = "W000"
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class ConfigError(MovedeskError):
    code = "W001"
    hint = "check the option or the MOVEDESK_* environment variable"


class OutputNotWritable(ConfigError):
    code = "W002"
    hint = "choose a folder you can write to with --out"


class StoreError(MovedeskError):
    code = "W010"
    hint = "check the --db path or MOVEDESK_DB"


class StoreCorrupt(StoreError):
    code = "W011"
    hint = "point --db at a movedesk store, or at a new path to create one; the file was not changed"


class StoreTooNew(StoreError):
    code = "W012"
    hint = "upgrade movedesk (pip install -U movedesk); the store was not changed"


class StoreBusy(StoreError):
    code = "W013"
    hint = "wait for the other movedesk process to finish, or use another --db"


class ProviderError(MovedeskError):
    code = "W020"
    hint = "check the provider's input or network access"


class UnknownProvider(ProviderError):
    code = "W021"
    hint = "use one of the registered names the message lists, or install the package that provides it"


class FetchRefused(ProviderError):
    code = "W022"
    hint = "pass --allow-private only for hosts you trust"


class DataValidationError(MovedeskError):
    code = "W030"
    hint = "fix the input file; nothing was stored from it"


class MissingColumn(DataValidationError):
    code = "W031"
    hint = "add the column or map it with --column old=new"


class InvalidLink(DataValidationError):
    """A confirmation, unsubscribe or settings link that cannot be honoured; nothing was changed."""

    code = "W032"
    hint = "use the link from the newest e-mail, or sign up again"


class UnknownCompany(MovedeskError):
    code = "W040"
    hint = "search the registry with `movedesk companies QUERY`"


class NotATradingSession(MovedeskError):
    code = "W041"
    hint = "pick a trading day of that exchange"


class CalendarHorizon(NotATradingSession):
    """The date is later than the holidays the installed ``exchange_calendars`` release knows."""

    code = "W044"
    hint = "upgrade exchange_calendars (pip install -U exchange_calendars)"


class NoCalendar(MovedeskError):
    code = "W042"
    hint = "supported exchanges: XSHG, XSHE, BJSE, XHKG, XNYS, XNAS"


class InsufficientData(MovedeskError):
    code = "W043"
    hint = "ingest more history for the listing and its benchmark"


class UnknownCommand(MovedeskError):
    code = "W050"
    hint = "see `movedesk --help`"


ALL_ERRORS: tuple[type[MovedeskError], ...] = (
    MovedeskError,
    ConfigError,
    OutputNotWritable,
    StoreError,
    StoreCorrupt,
    StoreTooNew,
    StoreBusy,
    ProviderError,
    UnknownProvider,
    FetchRefused,
    DataValidationError,
    MissingColumn,
    InvalidLink,
    UnknownCompany,
    NotATradingSession,
    CalendarHorizon,
    NoCalendar,
    InsufficientData,
    UnknownCommand,
)
