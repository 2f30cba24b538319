"""Components declare requires/produces, are registered through one door, and run alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from movedesk.errors import ConfigError, UnknownCommand
from movedesk.extract import component as comp
from movedesk.extract.doc import Doc
from movedesk.extract.pipeline import DEFAULT_COMPONENTS, extract_article, run
from movedesk.extract.reader import article_from_text

# golden list: a test fails if a built-in disappears or is renamed
BUILTINS = ["sentences", "tokens", "companies", "price_claims", "metrics", "analysts", "themes", "sentiment", "relays"]
MON = dt.datetime(2024, 12, 23, 6, 0, tzinfo=dt.UTC)
TEXT = "SMIC shares rose 5.2% on Monday\nSMIC's Hong Kong shares gained 3.7% as investors bet on AI chips."


def test_builtins_are_registered_in_order() -> None:
    assert list(comp.registry())[: len(BUILTINS)] == BUILTINS
    assert list(DEFAULT_COMPONENTS) == BUILTINS
    for name in BUILTINS:
        c = comp.get(name)
        assert c.name == name and c.produces and c.description


def test_default_pipeline_has_no_unmet_requirements() -> None:
    assert [c.name for c in comp.check_pipeline(BUILTINS)] == BUILTINS


def test_unmet_requirement_is_refused_before_running() -> None:
    with pytest.raises(ConfigError) as info:
        comp.check_pipeline(["price_claims"])
    assert "doc.mentions" in str(info.value) and "companies" in str(info.value)


def test_component_called_without_inputs_refuses() -> None:
    from movedesk.registry import default_registry

    doc = Doc.from_article(article_from_text(TEXT, published=MON), default_registry())
    with pytest.raises(ConfigError):
        comp.get("companies")(doc)


def test_unknown_component_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownCommand) as info:
        comp.get("nope")
    assert "price_claims" in str(info.value)


@pytest.mark.parametrize("name", BUILTINS)
def test_each_component_runs_alone_with_its_requirements(name: str) -> None:
    doc = run(article_from_text(TEXT, published=MON), components=[name])
    assert set(comp.get(name).produces) <= doc.produced
    assert set(doc.produced) <= {p for c in comp.registry().values() for p in c.produces}


def test_running_one_component_adds_only_what_it_needs() -> None:
    ex = extract_article(article_from_text(TEXT, published=MON), components=["price_claims"])
    assert ex.claims and ex.mentions and not ex.themes and not ex.sentiment


def test_entry_point_components_are_picked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    def shout(doc: Doc) -> None:
        doc.warnings.append("plugin ran")

    plugin = comp.Component("shout", shout, requires=("doc.sentences",), produces=("doc.shout",))

    class EP:
        name = "shout"
        value = "tests:shout"

        def load(self) -> Any:
            return plugin

    from movedesk import plugins

    real = plugins._entry_points

    def with_shout(group: str) -> dict[str, Any]:
        found = dict(real(group))
        return {**found, "shout": EP()} if group == plugins.COMPONENTS else found

    monkeypatch.setattr(plugins, "_entry_points", with_shout)
    comp.registry.cache_clear()
    try:
        assert comp.get("shout") is plugin
        doc = run(article_from_text(TEXT, published=MON), components=["shout"])
        assert "plugin ran" in doc.warnings and "doc.sentences" in doc.produced
    finally:
        comp.registry.cache_clear()
