"""The settings an extraction reads: which sentiment method, which trained model, which cache folder.

They come from :class:`movedesk.config.Settings` (``MOVEDESK_SENTIMENT``, ``MOVEDESK_SENTIMENT_MODEL``,
``MOVEDESK_CACHE``) and are passed down: the Desk builds them from its settings, the pipeline hands them
to each component through the ``Doc``. Code called without them uses :func:`current`, the settings as
the environment gives them now; nothing below reads the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from movedesk.config import Settings, current_settings

SENTIMENT_METHODS = ("auto", "lm", "linear", "embed")


@dataclass(frozen=True)
class ExtractOptions:
    sentiment: str = "auto"
    #: a linear model (.npz) to use instead of the one trained into the cache folder
    sentiment_model: str = ""
    #: the folder of locally trained models and unpacked encoders ("" for the user cache folder)
    cache: str = ""

    @property
    def cache_dir(self) -> Path:
        if self.cache:
            return Path(self.cache)
        import platformdirs

        return Path(platformdirs.user_cache_dir("movedesk"))

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractOptions:
        return cls(sentiment=settings.sentiment, sentiment_model=settings.sentiment_model, cache=settings.cache)


def current() -> ExtractOptions:
    """The options the settings give now (a changed environment is seen)."""
    return ExtractOptions.from_settings(current_settings())
