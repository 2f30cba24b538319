"""One plugin door: entry-point groups → named plugins, loaded lazily on first use.

Built-in price providers, news sources and extraction components are registered in ``pyproject.toml``
under the same groups as third-party ones, and found here by name. The layers that use a plugin ask this
module for it instead of importing the plugin's module, so ``gather`` never imports ``providers``.

>>> sorted(names(NEWS_SOURCES))[:2]
['bulk', 'feed']
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from movedesk.errors import UnknownProvider

PRICE_PROVIDERS = "movedesk.price_providers"
NEWS_SOURCES = "movedesk.news_sources"
COMPONENTS = "movedesk.components"


@functools.cache
def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def names(group: str) -> list[str]:
    """The names registered in ``group``."""
    return sorted(_entry_points(group))


def load(group: str, name: str) -> Any:
    """The object registered as ``name`` in ``group`` (a class, or a component), imported now."""
    found = _entry_points(group)
    if name not in found:
        raise UnknownProvider(
            f"no plugin {name!r} in {group}; available: {', '.join(sorted(found)) or 'none'}",
            hint="install the package that provides it, or reinstall movedesk if its entry points are stale",
        )
    return found[name].load()
