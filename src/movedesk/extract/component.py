"""Extraction components: each declares what it needs and what it adds; found through the plugin door.

A component is a named callable ``(doc) -> None`` that fills in some of the ``Doc`` fields. It
declares ``requires`` (annotations that must already be there, e.g. ``doc.sentences``) and
``produces``. Built-ins are listed under the ``movedesk.components`` entry-point group in
pyproject.toml exactly like third-party components; :func:`check_pipeline` refuses a pipeline with an
unmet requirement before anything runs (spaCy's ``analyze_pipes``, without running).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from movedesk import plugins
from movedesk.errors import ConfigError, UnknownCommand
from movedesk.extract.doc import Doc

log = logging.getLogger(__name__)

#: The default pipeline, in order: the built-in components registered in pyproject.toml under the
#: ``movedesk.components`` entry-point group (third-party components are added after them).
DEFAULT_PIPELINE: tuple[str, ...] = (
    "sentences",
    "tokens",
    "companies",
    "price_claims",
    "metrics",
    "analysts",
    "themes",
    "sentiment",
    "relays",
)


@dataclass(frozen=True)
class Component:
    """One extraction step: ``func(doc)`` adds ``produces`` given ``requires``."""

    name: str
    func: Callable[[Doc], None]
    requires: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()
    description: str = ""

    def __call__(self, doc: Doc) -> Doc:
        missing = [r for r in self.requires if r not in doc.produced]
        if missing:
            raise ConfigError(
                f"component {self.name!r} needs {', '.join(missing)}, which nothing has produced",
                hint=f"run the components that produce them first: {_producers_hint(missing)}",
            )
        self.func(doc)
        doc.produced.update(self.produces)
        return doc


@functools.cache
def registry() -> dict[str, Component]:
    """Every component by name, loaded through :mod:`movedesk.plugins`: the default pipeline's first, in
    its order, then any other ``movedesk.components`` entry point."""
    found: dict[str, Component] = {}
    for name in DEFAULT_PIPELINE:
        comp = plugins.load(plugins.COMPONENTS, name)  # a built-in that cannot load is an install error
        if not isinstance(comp, Component):
            raise ConfigError(f"entry point {name!r} is not a movedesk Component")
        found[name] = comp
    for name in plugins.names(plugins.COMPONENTS):
        if name in found:
            continue
        try:
            comp = plugins.load(plugins.COMPONENTS, name)
        except Exception as exc:  # a broken plugin must not take the built-ins down
            log.warning("component entry point %s failed to load: %s", name, exc)
            continue
        if isinstance(comp, Component):
            found[name] = comp
        else:
            log.warning("entry point %s is not a movedesk Component; ignored", name)
    return found


def get(name: str) -> Component:
    comps = registry()
    if name not in comps:
        raise UnknownCommand(
            f"no extraction component named {name!r}",
            hint=f"available components: {', '.join(comps)}",
        )
    return comps[name]


def _producers_hint(missing: Sequence[str]) -> str:
    comps = registry()
    names = [c.name for c in comps.values() if any(m in c.produces for m in missing)]
    return ", ".join(names) or "(none registered)"


def check_pipeline(names: Sequence[str], *, already: Sequence[str] = ()) -> list[Component]:
    """The components for ``names`` in order, or ConfigError naming every unmet requirement."""
    comps = [get(n) for n in names]
    have = set(already)
    problems: list[str] = []
    unmet: list[str] = []
    for comp in comps:
        missing = [r for r in comp.requires if r not in have]
        if missing:
            problems.append(f"{comp.name} needs {', '.join(missing)}")
            unmet.extend(m for m in missing if m not in unmet)
        have.update(comp.produces)
    if problems:
        raise ConfigError(
            "extraction pipeline has unmet requirements: " + "; ".join(problems),
            hint="add the producing components earlier in the pipeline: " + _producers_hint(unmet),
        )
    return comps


def with_requirements(names: Sequence[str]) -> list[str]:
    """``names`` plus everything they need, in built-in order (for running one component alone)."""
    comps = registry()
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name in wanted:
            return
        comp = get(name)
        for req in comp.requires:
            producer = next((c.name for c in comps.values() if req in c.produces), None)
            if producer is not None:
                add(producer)
        wanted.add(name)

    for n in names:
        add(n)
    order = list(comps)
    return sorted(wanted, key=order.index)
