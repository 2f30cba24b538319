"""``movedesk eval extract``: precision / recall / F1 per extraction component on the dev sets.

Sets (../shared/data/labelled and news, read at run time; nothing third-party is stored in the repo):
- companies: FinEntity (Reuters snippets, entity spans) with the default registry; SEntFiN headlines
  with a registry built from the SEntFiN entity list (both MIT/ODC-BY). A predicted mention is right
  when it overlaps a gold entity span; gold entities the registry does not know count as misses.
- sentiment: PhraseBank with a fixed 80/20 split (hash of the sentence id) — the linear model is
  trained on the 80 % at run time, never shipped; the Loughran-McDonald baseline and the shipped
  SEntFiN model are scored on the same 20 %. FiQA / SemEval headlines (score sign → label) and the
  SEntFiN test split are scored too.
- price_claims: the Reuters sentences of ``data/claim_set.jsonl`` (scripts/build_claim_set.py) whose
  move sizes were checked against S&P 500 prices; a predicted claim on a labelled number is right when
  company, direction, value and session all agree; claims on unlabelled numbers are ignored. Beside
  them, the reading-labelled set ``data/moves_read.jsonl`` (:mod:`movedesk.eval.price_read`):
  company-and-session recall, decoys given to the tagged company and the "false" rate, each with its
  trivial baseline in the note.
- metrics, analysts, themes: small sets written by the movedesk developers (``data/*.jsonl``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from movedesk.errors import ConfigError, UnknownCommand

log = logging.getLogger(__name__)

COMPONENTS = ("companies", "sentiment", "price_claims", "metrics", "analysts", "themes")


@dataclass
class Result:
    """Scores of one component on one set; ``score`` is the figure floors are pinned on."""

    component: str
    dataset: str
    n: int
    tp: int = 0
    fp: int = 0
    fn: int = 0
    accuracy: float | None = None
    macro_f1: float | None = None
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if (self.tp + self.fp) else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if (self.tp + self.fn) else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None and r is None else 0.0
        return 2 * p * r / (p + r)

    @property
    def key(self) -> str:
        return f"{self.component}/{self.dataset}"

    @property
    def score(self) -> float:
        value = self.accuracy if self.accuracy is not None else self.f1
        return float(value or 0.0)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(key=self.key, precision=self.precision, recall=self.recall, f1=self.f1, score=self.score)
        return d


def shared_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: the argument, the ``shared`` setting (MOVEDESK_SHARED), or ../shared next to
    the checkout."""
    from movedesk.config import Settings

    candidates = [Path(path)] if path else []
    shared = Settings().shared
    if shared:
        candidates.append(Path(shared))
    here = Path(__file__).resolve()
    candidates += [here.parents[3].parent / "shared", Path.cwd().parent / "shared", Path.cwd() / "shared"]
    for c in candidates:
        if (c / "data" / "labelled").is_dir():
            return c
    raise ConfigError(
        "the labelled dev sets are not available (no shared/data/labelled folder found)",
        hint="pass --shared PATH or set MOVEDESK_SHARED to the folder holding data/labelled",
    )


def _rows(df: Any) -> list[Any]:
    """Rows of a DataFrame as named tuples (typed loosely: columns differ per set)."""
    return list(df.itertuples())


def _bucket(key: str, n: int = 5) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % n


def _sample(rows: list[Any], sample: int | None, key: Callable[[Any], str]) -> list[Any]:
    """A fixed sample: the ``sample`` rows with the smallest hash of their key (stable across runs)."""
    if sample is None or sample >= len(rows):
        return rows
    return sorted(rows, key=lambda r: hashlib.sha1(key(r).encode("utf-8")).hexdigest())[:sample]


def _article(aid: str, text: str, published: dt.datetime | None = None) -> Any:
    from movedesk.models import Article

    when = published or dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    title, _, body = text.partition("\n")
    return Article(id=aid, source="eval", title=title, body=body, published=when, first_seen=when)


# --------------------------------------------------------------------------------------------- companies
def _overlap_score(pred: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]]) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for p0, p1 in pred:
        j = next((i for i, (g0, g1) in enumerate(gold) if i not in used and p0 < g1 and g0 < p1), None)
        if j is not None:
            used.add(j)
            tp += 1
    return tp, len(pred) - tp, len(gold) - len(used)


def predicted_spans(mentions: Sequence[Any], shift: int = 0) -> list[tuple[int, int]]:
    """Linked mention spans as an annotator marks entities: no coreference, and a ticker right after the
    company's name ("Lyft Inc <LYFT.O>") is part of that one mention, not a second one."""
    spans: list[tuple[int, int, str]] = []
    ordered = sorted(mentions, key=lambda m: m.start)
    for i, m in enumerate(ordered):
        if m.method == "coref":
            continue
        if m.method == "ticker" and any(
            p.company_id == m.company_id and 0 <= m.start - p.end <= 4 for p in ordered[max(0, i - 3) : i]
        ):
            continue
        spans.append((m.start - shift, m.end - shift, m.company_id))
    # adjacent mentions merge only when they are one company ("Apple Inc ( AAPL.O )"); "JPMorgan, HSBC"
    # are two entities (until 2026-11-27 they were merged into one span and scored as one)
    out: list[tuple[int, int, str]] = []
    for s, e, cid in sorted(spans):
        if out and s - out[-1][1] <= 3 and (cid == out[-1][2] or s < out[-1][1]):
            out[-1] = (out[-1][0], max(e, out[-1][1]), out[-1][2])
        else:
            out.append((s, e, cid))
    return [(s, e) for s, e, _ in out]


def gold_is_company(registry: Any, surface: str) -> bool:
    """True when a gold entity's text can name a registry company: it is an alias (or one with its
    corporate suffix stripped) written the way the alias is: "oil", "Oil" are not OIL (Oil India), and
    "central bank" is not Central Bank (of India); "RCom" (RCOM) and "Maruti" (MARUTI) are."""
    from movedesk.extract.aliases import _strip_suffix
    from movedesk.registry import normalise_alias

    spellings = _alias_spellings(registry)
    for cand in (surface, _strip_suffix(surface)):
        for alias in spellings.get(normalise_alias(cand), ()):
            if cand == alias:
                return True
            letters = [ch for ch in alias if ch.isalpha()]
            if letters and all(ch.isupper() for ch in letters):
                if sum(ch.isupper() for ch in cand) >= 2 or (len(letters) >= 4 and cand[:1].isupper()):
                    return True  # in capitals, as a brand ("RCom", "IndiGo") or as a name ("Sebi", "Maruti")
            elif cand[:1].isupper() or not alias[:1].isupper():
                return True
    return False


_SPELLINGS: weakref.WeakKeyDictionary[Any, dict[str, set[str]]] = weakref.WeakKeyDictionary()


def _alias_spellings(registry: Any) -> dict[str, set[str]]:
    """Every written form of each normalised alias key of a registry (cached per registry)."""
    if registry not in _SPELLINGS:
        from movedesk.extract.aliases import _strip_suffix
        from movedesk.registry import normalise_alias, ticker_variants

        table: dict[str, set[str]] = {}
        for c in registry:
            names = {c.id, c.name, *c.aliases, *([c.short_name] if c.short_name else [])}
            for lst in c.listings:
                names |= ticker_variants(lst.symbol)
            for n in names | {_strip_suffix(n) for n in names}:
                table.setdefault(normalise_alias(n), set()).add(n)
        _SPELLINGS[registry] = table
    return _SPELLINGS[registry]


def eval_companies_finentity(shared: Path, sample: int | None = None, *, case_aware: bool = True) -> list[Result]:
    import pandas as pd

    from movedesk.extract.aliases import _strip_suffix
    from movedesk.extract.pipeline import run
    from movedesk.registry import default_registry, normalise_alias

    df = pd.read_parquet(shared / "data" / "labelled" / "finentity.parquet")
    rows = _sample(_rows(df), sample, lambda r: f"fe:{r.doc_id}")
    reg = default_registry()
    every = Result("companies", "finentity", len(rows), note="all gold entities (incl. Fed, OPEC, Brent, non-listed)")
    known = Result(
        "companies",
        "finentity/in-registry",
        len(rows),
        note="gold entities whose name is a registry alias; others ignored",
    )

    def resolvable(name: str) -> bool:
        if not case_aware:  # the definition used until 2026-11-27
            return normalise_alias(name) in reg.by_alias or normalise_alias(_strip_suffix(name)) in reg.by_alias
        return gold_is_company(reg, name)

    for r in rows:
        text = str(r.text)
        doc = run(_article(f"fe{r.doc_id}", "\n" + text), reg, components=["companies"])
        pred = predicted_spans(doc.mentions, shift=1)
        gold = [(int(e["start"]), int(e["end"])) for e in r.entities]
        tp, fp, fn = _overlap_score(pred, gold)
        every.tp, every.fp, every.fn = every.tp + tp, every.fp + fp, every.fn + fn
        gold_known = [g for g in gold if resolvable(text[g[0] : g[1]])]
        pred_scored = [
            p for p in pred if not any(p[0] < g1 and g0 < p[1] for g0, g1 in gold if (g0, g1) not in gold_known)
        ]
        tp, fp, fn = _overlap_score(pred_scored, gold_known)
        known.tp, known.fp, known.fn = known.tp + tp, known.fp + fp, known.fn + fn
    return [every, known]


#: SEntFiN entity-list rows that are not companies although no alias says so by its wording
_SENTFIN_NOT_COMPANY = {"REGORG", "COMMODITIES", "COMMEX", "BANKNIFTY", "TIN", "NICKEL", "PLATINUM", "INDIA"}
_SENTFIN_GENERIC = re.compile(
    r"\b(?:stocks?|sectors?|space|companies|companis|comapanies|cos|industry|markets?|shares|bonds?|funds?|"
    r"players|makers|counters|pack|firms|manufacturers|investors|assets|indices|economy|prices|metals?|"
    r"jewellery|banks|crops|contracts|names)\b"
)


def sentfin_is_category(symbol: str, aliases: Sequence[str]) -> bool:
    """True for the SEntFiN entity-list rows that are sectors, markets, currencies, commodities or
    regulators ("STKSPACE": stock, stocks; "CURRENCY": rupee; "REGORG": Sebi, Supreme Court) rather than
    a company: an all-lowercase alias or a generic plural ("steel stocks", "PSU banks") marks them."""
    if symbol in _SENTFIN_NOT_COMPANY:
        return True
    for a in aliases:
        if a == symbol:
            continue
        if a[:1].islower() and not any(ch.isupper() for ch in a):
            return True
        if _SENTFIN_GENERIC.search(a):
            return True
    return False


def sentfin_registry(shared: Path, *, companies_only: bool = True) -> Any:
    """A registry of the SEntFiN entity list (MIT): one company per NSE symbol with its aliases.

    ``companies_only`` (the default since 2026-11-27) leaves out the rows that are sectors, markets,
    currencies or regulators (``sentfin_is_category``): a company linker should not link "stocks"."""
    import pandas as pd

    from movedesk.models import Company
    from movedesk.registry import Registry

    ents = pd.read_parquet(shared / "data" / "labelled" / "sentfin_entity_list.parquet")
    companies = []
    for r in _rows(ents):
        aliases = [str(a).strip() for a in r.aliases if str(a).strip()]
        if not aliases or (companies_only and sentfin_is_category(str(r.symbol), aliases)):
            continue
        companies.append(Company(id=str(r.symbol), name=aliases[0], aliases=tuple(aliases[1:])))
    return Registry(companies)


def eval_companies_sentfin(shared: Path, sample: int | None = None, *, companies_only: bool = True) -> list[Result]:
    import pandas as pd

    from movedesk.extract.pipeline import run
    from movedesk.registry import normalise_alias

    df = pd.read_parquet(shared / "data" / "labelled" / "sentfin_v1.parquet")
    reg = sentfin_registry(shared, companies_only=companies_only)
    heads: dict[int, tuple[str, list[str]]] = {}
    for r in _rows(df):
        heads.setdefault(int(r.headline_id), (str(r.text), []))[1].append(str(r.entity))
    items = _sample(sorted(heads.items()), sample, lambda kv: f"sf:{kv[0]}")
    every = Result(
        "companies",
        "sentfin",
        len(items),
        note="registry = SEntFiN entity list (companies only); gold incl. sectors, markets, currencies, regulators",
    )
    known = Result(
        "companies", "sentfin/in-registry", len(items), note="gold entities that are aliases of a listed company"
    )
    for hid, (text, ents) in items:
        gold: list[tuple[int, int]] = []
        low = text.lower()
        for ent in ents:
            # the first word-bounded occurrence ("Jet" in "SpiceJet jumps, Jet soars" is the second)
            hit = re.search(r"(?<!\w)" + re.escape(ent) + r"(?!\w)", text) if companies_only else None
            i = hit.start() if hit else text.find(ent)
            if i < 0:
                i = low.find(ent.lower())
            if i >= 0:
                gold.append((i, i + len(ent)))
            else:
                every.fn += 1  # annotated entity not in the headline verbatim
        doc = run(_article(f"sf{hid}", "\n" + text), reg, components=["companies"])
        pred = predicted_spans(doc.mentions, shift=1)
        tp, fp, fn = _overlap_score(pred, gold)
        every.tp, every.fp, every.fn = every.tp + tp, every.fp + fp, every.fn + fn
        gold_known = [
            g
            for g in gold
            if (
                gold_is_company(reg, text[g[0] : g[1]])
                if companies_only
                else normalise_alias(text[g[0] : g[1]]) in reg.by_alias
            )
        ]
        other = [g for g in gold if g not in gold_known]
        scored = [p for p in pred if not any(p[0] < g1 and g0 < p[1] for g0, g1 in other)]
        tp, fp, fn = _overlap_score(scored, gold_known)
        known.tp, known.fp, known.fn = known.tp + tp, known.fp + fp, known.fn + fn
    return [every, known]


# --------------------------------------------------------------------------------------------- sentiment
def phrasebank_split(shared: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) of PhraseBank: test = sentence ids whose hash falls in bucket 0 of 5 (20 %)."""
    import pandas as pd

    df = pd.read_parquet(shared / "data" / "labelled" / "financial_phrasebank.parquet")
    df = df.drop_duplicates("sentence_id")
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for r in _rows(df):
        (test if _bucket(f"pb:{r.sentence_id}") == 0 else train).append((str(r.text), str(r.label)))
    return train, test


def _acc(
    pairs: Iterable[tuple[str, str]], predict: Callable[[str], str], component: str, dataset: str, note: str = ""
) -> Result:
    from sklearn.metrics import f1_score

    gold, pred = [], []
    for text, label in pairs:
        gold.append(label)
        pred.append(predict(text))
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / n if n else 0.0
    mf1 = float(f1_score(gold, pred, average="macro")) if n else 0.0
    return Result(component, dataset, n, accuracy=round(acc, 4), macro_f1=round(mf1, 4), note=note)


def eval_sentiment(shared: Path, sample: int | None = None) -> list[Result]:
    import pandas as pd

    from movedesk.extract import sentiment as sm

    train, test = phrasebank_split(shared)
    test = _sample(test, sample, lambda r: f"pbt:{r[0]}")
    model = sm.train([t for t, _ in train], [lab for _, lab in train], source="phrasebank-train")
    out = [
        _acc(
            test,
            lambda t: model.predict(t)[0],
            "sentiment",
            "phrasebank/linear",
            note=f"trained on the 80 % split ({len(train)}), not shipped",
        ),
        _acc(test, lambda t: sm.lm_score(t)[0], "sentiment", "phrasebank/lm", note="Loughran-McDonald baseline"),
    ]
    allagree = [(t, lab) for t, lab in test if t]  # scored below on the 100 %-agreement subset
    pb = pd.read_parquet(shared / "data" / "labelled" / "financial_phrasebank.parquet")
    agree = set(pb[pb["agree_100"]]["text"])
    allagree = [(t, lab) for t, lab in allagree if t in agree]
    out.append(_acc(allagree, lambda t: model.predict(t)[0], "sentiment", "phrasebank-allagree/linear"))
    out += eval_sentiment_embed(train, test, allagree)
    shipped = sm.shipped_model()
    if shipped is not None:
        out.append(
            _acc(
                test,
                lambda t: shipped.predict(t)[0],
                "sentiment",
                "phrasebank/shipped",
                note="shipped SEntFiN model, out of domain",
            )
        )
        _, sf_test = sentfin_split(shared)
        sf_test = _sample(sf_test, sample, lambda r: f"sft:{r[0]}")
        out.append(
            _acc(
                sf_test,
                lambda t: shipped.predict(t)[0],
                "sentiment",
                "sentfin/shipped",
                note="single-entity headlines, held-out 20 %",
            )
        )
    heads = []
    for name in ("semeval2017_task5_headlines", "fiqa2018_task1"):
        df = pd.read_parquet(shared / "data" / "labelled" / f"{name}.parquet")
        for r in _rows(df):
            s = float(r.sentiment_score)
            heads.append((str(r.text), "positive" if s > 0.1 else "negative" if s < -0.1 else "neutral"))
    heads = _sample(heads, sample, lambda r: f"h:{r[0]}")
    out.append(
        _acc(heads, lambda t: sm.lm_score(t)[0], "sentiment", "fiqa+semeval/lm", note="Loughran-McDonald baseline")
    )
    out.append(
        _acc(
            heads,
            lambda t: model.predict(t)[0],
            "sentiment",
            "fiqa+semeval/linear",
            note="score > 0.1 positive, < -0.1 negative; entity-level gold, sentence-level prediction",
        )
    )
    return out


def _acc_many(
    pairs: Sequence[tuple[str, str]], predict: Callable[[list[str]], list[str]], dataset: str, note: str = ""
) -> Result:
    """``_acc`` for a batch predictor (one call for all sentences)."""
    preds = predict([t for t, _ in pairs])
    lookup = dict(zip((t for t, _ in pairs), preds, strict=True))
    return _acc(pairs, lookup.__getitem__, "sentiment", dataset, note=note)


def eval_sentiment_embed(
    train: Sequence[tuple[str, str]], test: Sequence[tuple[str, str]], allagree: Sequence[tuple[str, str]]
) -> list[Result]:
    """MiniLM rows, when the ``embed`` extra is installed: frozen embeddings + logistic regression trained
    here on the 80 % split; and the fine-tuned model of the user cache dir when it was trained on that
    same split (``train_sentiment --phrasebank --embed``; never trained here: minutes on a CPU)."""
    from movedesk.extract import embed_sentiment as es

    if not es.available():
        return []
    frozen = es.train_frozen([t for t, _ in train], [lab for _, lab in train], source="phrasebank-train")
    out = [
        _acc_many(
            test,
            lambda ts: [lab for lab, _ in frozen.predict_many(ts)],
            "phrasebank/embed-frozen",
            note="MiniLM embeddings (frozen) + logistic regression, trained on the 80 % split",
        )
    ]
    tuned = es.local_model()
    if tuned is not None and tuned.variant == "finetuned" and tuned.source.startswith("phrasebank-train"):
        out.append(
            _acc_many(
                test,
                lambda ts: [lab for lab, _ in tuned.predict_many(ts)],
                "phrasebank/embed",
                note=f"fine-tuned {tuned.base} (+ linear, w={tuned.linear_weight}) from the cache dir, 80 % split",
            )
        )
        out.append(
            _acc_many(allagree, lambda ts: [lab for lab, _ in tuned.predict_many(ts)], "phrasebank-allagree/embed")
        )
    return out


def sentfin_split(shared: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) of SEntFiN single-entity headlines: test = bucket 0 of 5 by headline id."""
    import pandas as pd

    df = pd.read_parquet(shared / "data" / "labelled" / "sentfin_v1.parquet")
    df = df[df["n_entities"] == 1].drop_duplicates("text")
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for r in _rows(df):
        (test if _bucket(f"sf:{r.headline_id}") == 0 else train).append((str(r.text), str(r.label)))
    return train, test


# ------------------------------------------------------------------------------------------ price claims
def eval_price_claims(shared: Path, sample: int | None = None, *, split: str = "dev") -> Result:
    import pandas as pd

    from movedesk.eval.claimset import claim_set_path, load_claim_set, reuters_text
    from movedesk.extract.pipeline import run
    from movedesk.models import Article
    from movedesk.registry import default_registry

    path = claim_set_path() if split == "dev" else claim_set_path().with_name("claim_set_test.jsonl")
    gold = _sample(load_claim_set(path), sample, lambda g: f"{g.article_id}:{g.start}")
    ids = sorted({g.article_id for g in gold})
    news = pd.read_parquet(
        shared / "data" / "news" / "reuters_2006_2013.parquet",
        columns=["id", "title", "body", "published"],
        filters=[("id", "in", ids)],
    )
    by_id = {r.id: r for r in _rows(news)}
    reg = default_registry()
    res = Result(
        "price_claims",
        f"reuters-sp500/{split}",
        sum(1 for g in gold for n in g.numbers if n.company_id),
        note="Reuters sentences checked against S&P 500 closes; claims on unlabelled numbers ignored",
    )
    docs: dict[str, Any] = {}
    loose_tp = 0
    for g in gold:
        r = by_id.get(g.article_id)
        if r is None:
            res.fn += sum(1 for n in g.numbers if n.company_id)
            continue
        if g.article_id not in docs:
            title, body = reuters_text(r.title, r.body)
            when = r.published.to_pydatetime()
            art = Article(id=r.id, source="Reuters", title=title, body=body, published=when, first_seen=when)
            docs[g.article_id] = run(art, reg, components=["price_claims"])
        doc = docs[g.article_id]
        claims = [c for c in doc.claims if c.claim_type == "price" and g.start <= c.start < g.end + 40]
        matched: set[int] = set()
        for c in claims:
            k = next((i for i, n in enumerate(g.numbers) if n.start < c.end and c.start < n.end), None)
            if k is None:
                # the claim's span does not hold a checked number: judge it by its value instead
                k = next(
                    (
                        i
                        for i, n in enumerate(g.numbers)
                        if n.value is not None
                        and c.value is not None
                        and abs(n.value - c.value) < 1e-6
                        and g.start <= c.start < g.end
                    ),
                    None,
                )
                if k is None:
                    continue
            n = g.numbers[k]
            if n.not_price:
                res.fp += 1  # a price claim on "sales rose 2.4 percent"
                continue
            if n.company_id is None or k in matched:
                continue  # an unlabelled number: not scored
            gold_company = reg.by_symbol.get(n.company_id)
            gold_id = gold_company.id if gold_company is not None else n.company_id
            ok_core = (
                c.company_id == gold_id
                and c.direction == n.direction
                and c.value is not None
                and n.value is not None
                and abs(c.value - n.value) < 1e-6
            )
            if ok_core:
                loose_tp += 1
            if ok_core and c.session == n.session:
                res.tp += 1
                matched.add(k)
            else:
                res.fp += 1
        res.fn += sum(1 for i, n in enumerate(g.numbers) if n.company_id and i not in matched)
    labelled = res.tp + res.fn
    res.extra["recall_without_session"] = round(loose_tp / labelled, 4) if labelled else 0.0
    return res


def eval_price_read(shared: Path, sample: int | None = None) -> list[Result]:
    """Company-and-session recall, decoys given and the false rate on the reading-labelled set
    (:mod:`movedesk.eval.price_read`), each with its trivial baseline in ``extra`` and the note."""
    from movedesk.eval.explain_read import load_rows
    from movedesk.eval.price_read import FIGURES, price_read_figures

    rows = _sample(load_rows(), sample, lambda r: f"{r['article_id']}:{r['start']}")
    figures = price_read_figures(shared, rows)
    out = []
    for key, name, what in FIGURES:
        hit, base, n = figures[key]
        res = Result("price_claims", name, n, accuracy=round(hit / n, 4) if n else 0.0)
        res.extra["baseline"] = round(base / n, 4) if n else 0.0
        res.note = f"{what}; baseline {res.extra['baseline']:.3f}"
        out.append(res)
    return out


# ----------------------------------------------------------------------- hand-written sets (our own text)
def _own_set(name: str) -> list[dict[str, Any]]:
    path = resources.files("movedesk.eval") / "data" / f"{name}.jsonl"
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def eval_metrics(shared: Path | None = None, sample: int | None = None) -> Result:
    from movedesk.extract.pipeline import run

    items = _own_set("metrics_dev")
    res = Result("metrics", "own", len(items), note="sentences written by the movedesk developers")
    for i, it in enumerate(items):
        doc = run(_article(f"m{i}", "\n" + it["text"]), None, components=["metrics", "price_claims"])
        pred = [(c.value, c.unit, c.direction, c.base_period.lower()) for c in doc.claims if c.claim_type == "metric"]
        gold = [(g["value"], g["unit"], g["direction"], g.get("base_period", "").lower()) for g in it["metrics"]]
        for p in pred:
            if p in gold:
                res.tp += 1
                gold.remove(p)
            else:
                res.fp += 1
        res.fn += len(gold)
    return res


def eval_analysts(shared: Path | None = None, sample: int | None = None) -> Result:
    from movedesk.extract.pipeline import run

    items = _own_set("analysts_dev")
    res = Result("analysts", "own", len(items), note="(firm, stance) pairs; sentences written by the developers")
    for i, it in enumerate(items):
        doc = run(_article(f"a{i}", "\n" + it["text"]), None, components=["analysts"])
        pred = {(v.firm, v.stance) for v in doc.analysts}
        gold = {(g["firm"], g["stance"]) for g in it["views"]}
        res.tp += len(pred & gold)
        res.fp += len(pred - gold)
        res.fn += len(gold - pred)
    return res


def eval_themes(shared: Path | None = None, sample: int | None = None) -> Result:
    from movedesk.extract.pipeline import run

    items = _own_set("themes_dev")
    res = Result("themes", "own", len(items), note="theme sets per text; texts written by the developers")
    for i, it in enumerate(items):
        doc = run(_article(f"t{i}", "\n" + it["text"]), None, components=["themes"])
        pred = {t.theme for t in doc.themes}
        gold = set(it["themes"])
        res.tp += len(pred & gold)
        res.fp += len(pred - gold)
        res.fn += len(gold - pred)
    return res


def evaluate(component: str | None = None, sample: int | None = None, shared: str | None = None) -> list[Result]:
    """Scores of one component (or all) on its dev sets; ``sample`` fixes a smaller deterministic subset."""
    if component is not None and component not in COMPONENTS:
        raise UnknownCommand(
            f"no evaluation for component {component!r}", hint=f"choose one of {', '.join(COMPONENTS)}"
        )
    wanted = [component] if component else list(COMPONENTS)
    base = shared_dir(shared)
    out: list[Result] = []
    for name in wanted:
        if name == "companies":
            out += [*eval_companies_finentity(base, sample), *eval_companies_sentfin(base, sample)]
        elif name == "sentiment":
            out += eval_sentiment(base, sample)
        elif name == "price_claims":
            out.append(eval_price_claims(base, sample))
            out.append(eval_price_claims(base, sample, split="test"))
            out += eval_price_read(base, sample)
        elif name == "metrics":
            out.append(eval_metrics(base, sample))
        elif name == "analysts":
            out.append(eval_analysts(base, sample))
        elif name == "themes":
            out.append(eval_themes(base, sample))
    return out


def render_table(results: Sequence[Result]) -> Any:
    from rich.table import Table

    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    table = Table(title="movedesk eval extract")
    for col in ("component", "set", "n", "precision", "recall", "F1", "accuracy", "note"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.component, r.dataset, str(r.n), fmt(r.precision), fmt(r.recall), fmt(r.f1), fmt(r.accuracy), r.note
        )
    return table
