"""The extraction pipeline: run components over an Article and return an Extraction."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from movedesk.extract.component import DEFAULT_PIPELINE, check_pipeline, with_requirements
from movedesk.extract.doc import Doc
from movedesk.extract.options import ExtractOptions
from movedesk.models import Article
from movedesk.models.news import Extraction
from movedesk.registry import Registry, default_registry

log = logging.getLogger(__name__)

#: The default pipeline: every built-in component, in order.
DEFAULT_COMPONENTS: tuple[str, ...] = DEFAULT_PIPELINE


def run(
    article: Article,
    registry: Registry | None = None,
    *,
    components: Sequence[str] | None = None,
    options: ExtractOptions | None = None,
) -> Doc:
    """Run the components (default: all) over an article and return the filled ``Doc``.

    ``components`` lists names; components they need are added in built-in order, so one component
    can be run alone (``["price_claims"]`` also runs sentences and companies). Unknown names raise
    UnknownCommand; a pipeline whose requirements cannot be met raises ConfigError before running.
    """
    reg = registry if registry is not None else default_registry()
    names = list(DEFAULT_COMPONENTS) if components is None else with_requirements(list(components))
    pipeline = check_pipeline(names)
    doc = Doc.from_article(article, reg, options)
    for comp in pipeline:
        comp(doc)
    return doc


def extract_article(
    article: Article,
    registry: Registry | None = None,
    *,
    components: Sequence[str] | None = None,
    options: ExtractOptions | None = None,
) -> Extraction:
    """Everything the components find in one article, every item located by offsets into ``article.text``."""
    return run(article, registry, components=components, options=options).to_extraction()

