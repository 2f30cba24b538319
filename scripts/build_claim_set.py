"""Build the price-move claim dev set from the shared Reuters articles, checked against S&P 500 prices.

Rules (independent of movedesk's claim extractor, so the set can score it):
1. Articles: Reuters 2006-2013 (../shared/data/news), text = title + "\\n" + body with whitespace collapsed.
2. Sentences: split at line breaks and at ". " / "? " / "! " before a capital letter, except after
   "Inc.", "Corp.", "Co.", "U.S." and initials (a plain rule, not the extractor's).
3. Candidate numbers: "N percent" / "N pct" / "N%" in a sentence that contains a Reuters code of an
   S&P 500 company with prices in ../shared (``( AAPL.O )``, ``( C.N )``); the number belongs to the last
   instrument code of any exchange before it in the sentence, which must be an S&P 500 one; a number
   with no code before it, or with a quantity word in the six words before it ("same-store sales rose
   2.4 percent", "index"), stays unlabelled.
4. Check: the stated size must equal the company's close-to-close change on the last NYSE session on or
   before the article's US-Eastern publish date (the session before it, for articles published before
   the open), within half a unit of the last stated digit (+0.02 for rounding); sentences about
   premarket, after-hours or intraday extremes ("as much as") are left unlabelled (not a close), and so
   are sentences with "respectively" or "each" (the number's company is not the nearest code); the
   direction is the sign of the real change and a direction word must sit within the 8 words before
   the number ("rose", "fell", "up", "down", "gained", …) and say the same direction (the last one before
   the number counts); the code must be at most 150 characters before the number, and no quantity word
   ("sales", "revenue", "profit"…) may follow within five words. A number that does not match is kept
   *unlabelled*: scoring ignores claims on it.
5. Negatives: a number right after a quantity and a direction ("same-store sales rose 2.4 percent",
   "profit fell 8 percent") with no "shares"/"stock" in the six words before it is labelled
   ``not_price``: a price claim on it counts as a false positive.
6. Output: ``src/movedesk/eval/data/claim_set.jsonl`` with article ids, offsets and labels only (no
   Reuters text): sentences with at least one labelled or ``not_price`` number, in a fixed hash order;
   ``--skip``/``--max`` choose a slice (the dev set is the first 600; ``--skip 600`` gives a held-out
   test slice, ``claim_set_test.jsonl``).

Usage: python scripts/build_claim_set.py [--shared ../shared] [--max 600] [--skip 0] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from movedesk import calendars  # noqa: E402
from movedesk.eval.claimset import CLAIM_SET, reuters_text  # noqa: E402

ET = ZoneInfo("America/New_York")
RIC = re.compile(r"\(\s*([A-Za-z0-9]{1,8})\.([A-Z]{1,3})\s*\)|\b([A-Z]{2,5})\.(N|O|OQ|L|T|DE|PA|HK|TO)\b")
NUM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:percent|per cent|pct|%)")
DIRECTION = re.compile(
    r"\b(rose|rise|rising|gained|gain|gaining|jumped|jumping|climbed|climbing|surged|surging|soared|rallied|"
    r"advanced|added|up|higher|increased|fell|fall|falling|dropped|dropping|declined|declining|slid|sliding|"
    r"slipped|lost|losing|tumbled|plunged|sank|slumped|eased|down|lower|decreased|shed)\b",
    re.IGNORECASE,
)
METRIC = re.compile(
    r"\b(sales|revenue|revenues|profit|profits|earnings|income|margin|margins|output|shipments|orders|"
    r"deliveries|traffic|volume|dividend|forecast|estimate|estimates|premium|stake|rate|yield|index)\b",
    re.IGNORECASE,
)
EXTENDED = re.compile(
    r"premarket|pre-market|before the bell|extended trad|after-hours|after hours|after the bell|electronic trad|"
    r"as much as|as high as|as low as|at one point|intraday|in early trad|in morning trad",
    re.IGNORECASE,
)
UP = {
    "rose",
    "rise",
    "rising",
    "gained",
    "gain",
    "gaining",
    "jumped",
    "jumping",
    "climbed",
    "climbing",
    "surged",
    "surging",
    "soared",
    "rallied",
    "advanced",
    "added",
    "up",
    "higher",
    "increased",
}
QUANTITY = re.compile(
    r"\b(sales|revenue|revenues|profit|profits|earnings|income|margin|margins|output|shipments|orders|"
    r"deliveries|traffic|dividend|payrolls|inflation|gdp|unemployment|prices)\s+(?:\w+\s+){0,2}?"
    r"(rose|fell|grew|increased|decreased|declined|dropped|jumped|climbed|slipped|gained|rising|falling|up|down)\b",
    re.IGNORECASE,
)
SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])|\n")
ABBREV = re.compile(r"\b(?:Inc|Corp|Co|Cos|Ltd|Jr|Sr|Mr|Mrs|Ms|Dr|St|No|U\.S|Gov|Sen|Rep|[A-Z])\.$")


def split(text: str) -> list[tuple[int, int]]:
    """Sentences: a period, ! or ? then a capital (not after "Inc." or an initial), and line breaks."""
    out, start = [], 0
    for m in SENT.finditer(text):
        if m.group() != "\n" and ABBREV.search(text, max(0, m.start() - 6), m.start()):
            continue
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def tolerance(raw: str) -> float:
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return 0.5 * 10 ** (-decimals) + 0.02


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--max", type=int, default=600)
    ap.add_argument("--skip", type=int, default=0, help="skip this many sentences of the hash order (held-out sets)")
    ap.add_argument("--out", default=str(ROOT / "src" / "movedesk" / "eval" / "data" / CLAIM_SET))
    args = ap.parse_args()
    shared = Path(args.shared)
    prices = pd.read_parquet(shared / "data" / "prices" / "us_sp500.parquet", columns=["symbol", "date", "close"])
    prices = prices[prices["date"] >= pd.Timestamp("2006-09-01").date()]
    prices = prices.sort_values(["symbol", "date"])
    prices["pct"] = prices.groupby("symbol")["close"].pct_change() * 100
    pct = {(s, d): p for s, d, p in zip(prices["symbol"], prices["date"], prices["pct"], strict=True)}
    symbols = set(prices["symbol"])
    news = pd.read_parquet(
        shared / "data" / "news" / "reuters_2006_2013.parquet", columns=["id", "title", "body", "published", "tickers"]
    )
    news = news[news["body"].notna()]
    news = news[
        [any(t.split(".")[0] in symbols and t.split(".")[-1] in ("N", "O", "OQ") for t in ts) for ts in news["tickers"]]
    ]
    rows = []
    stats = {"articles": len(news), "numbers": 0, "labelled": 0, "ambiguous": 0}
    for r in news.itertuples():
        title, body = reuters_text(r.title, r.body)
        text = f"{title}\n{body}"
        local = r.published.to_pydatetime().astimezone(ET)
        day = local.date()
        try:
            last = day if calendars.is_session("XNYS", day) else calendars.previous_session("XNYS", day)
            if last == day and local.time() < dt.time(9, 30):
                last = calendars.previous_session("XNYS", day)
            # one candidate session: the last one that closed before publication, or today's while it trades
            candidates = [last]
        except Exception:
            continue
        for s0, s1 in split(text):
            sent = text[s0:s1]
            # every instrument code in the sentence (any exchange); a number belongs to the last one before it
            rics = [
                (m.start(), (m.group(1) or m.group(3)) if (m.group(2) or m.group(4)) in ("N", "O", "OQ") else "")
                for m in RIC.finditer(sent)
            ]
            if not any(t in symbols for _, t in rics):
                continue
            numbers = []
            for m in NUM.finditer(sent):
                if m.start() > 0 and (sent[m.start() - 1].isalnum() or sent[m.start() - 1] in "-$"):
                    continue
                stats["numbers"] += 1
                before = [(p, t) for p, t in rics if p < m.start()]
                window8 = " ".join(sent[max(0, m.start() - 80) : m.start()].split()[-6:])
                after5 = " ".join(sent[m.end() : m.end() + 60].split()[:5])
                if QUANTITY.search(window8) and not re.search(r"\b(?:shares?|stocks?)\b", window8, re.IGNORECASE):
                    # "same-store sales rose 2.4 percent": a number that is not a share-price move
                    numbers.append({"start": s0 + m.start(), "end": s0 + m.end(), "not_price": True})
                    stats["not_price"] = stats.get("not_price", 0) + 1
                    continue
                if (
                    not before
                    or before[-1][1] not in symbols
                    or m.start() - before[-1][0] > 150
                    or METRIC.search(window8)
                    or METRIC.search(after5)
                ):
                    numbers.append({"start": s0 + m.start(), "end": s0 + m.end()})  # unlabelled
                    continue
                symbol = before[-1][1]
                raw = m.group(1)
                value = float(raw)
                window = sent[max(0, m.start() - 60) : m.start()]
                found = list(DIRECTION.finditer(" ".join(window.split()[-8:])))
                has_dir = found[-1] if found else None
                entry = {"start": s0 + m.start(), "end": s0 + m.end()}
                hits = []
                if EXTENDED.search(sent) or re.search(r"\brespectively\b|\beach\b", sent):
                    numbers.append({"start": s0 + m.start(), "end": s0 + m.end()})  # not a close: unlabelled
                    continue
                for session in candidates:
                    real = pct.get((symbol, session))
                    if real is not None and real == real and abs(abs(real) - value) <= tolerance(raw):
                        hits.append((session, real))
                said_up = has_dir is not None and has_dir.group(1).lower() in UP
                if has_dir and len(hits) == 1 and value > 0 and said_up == (hits[0][1] > 0):
                    session, real = hits[0]
                    entry.update(
                        company_id=symbol,
                        direction="up" if real > 0 else "down",
                        value=value,
                        session=session.isoformat(),
                        actual_pct=round(real, 3),
                    )
                    stats["labelled"] += 1
                elif len(hits) > 1:
                    stats["ambiguous"] += 1
                numbers.append(entry)
            if any("company_id" in n or n.get("not_price") for n in numbers):
                rows.append({"article_id": r.id, "start": s0, "end": s1, "numbers": numbers})
    rows.sort(key=lambda x: hashlib.sha1(f"{x['article_id']}:{x['start']}".encode()).hexdigest())
    rows = sorted(rows[args.skip : args.skip + args.max], key=lambda x: (x["article_id"], x["start"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(x, sort_keys=True) + "\n" for x in rows), encoding="utf-8")
    stats["sentences_written"] = len(rows)
    stats["labelled_written"] = sum(1 for x in rows for n in x["numbers"] if "company_id" in n)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
