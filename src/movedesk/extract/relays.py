"""Relays: outlets an article says it is passing on ("as reported by the Wall Street Journal"), found by
the provenance rules of the gather layer (:func:`movedesk.gather.provenance.extract_relays`, over the
outlets listed in ``data/outlets.csv``)."""

from __future__ import annotations

from movedesk.extract.component import Component
from movedesk.extract.doc import Doc
from movedesk.gather.provenance import extract_relays


def _relays(doc: Doc) -> None:
    found: list[str] = []
    try:
        found = extract_relays(doc.text[:400_000], exclude=(doc.article.source,))
    except Exception as exc:  # a bug in the provenance rules must not break extraction
        doc.warnings.append(f"provenance.extract_relays failed: {exc}")
    doc.relays = list(dict.fromkeys([*doc.article.relays, *found]))


RELAYS = Component(
    "relays",
    _relays,
    produces=("doc.relays",),
    description="outlets the article relays (the provenance rules over data/outlets.csv)",
)
