"""Exact and near-duplicate detection: text fingerprints, MinHash signatures and a datasketch LSH index.

* **Exact**: sha1 of the normalised title + body (NFKC, case-folded, whitespace collapsed).
* **Near**: word-shingle MinHash signatures looked up in a :class:`datasketch.MinHashLSH`, confirmed by
  the estimated Jaccard similarity (``≥ threshold``) and a publish-time window (two look-alike
  stories months apart are different stories: quarterly-results templates, daily market wraps).

Signatures are computed for a whole batch at once in numpy, by *one-permutation hashing with rotation
densification* (Li, Owen & Zhang 2012; Shrivastava & Li 2014): every shingle is hashed once to 64 bits,
the top bits pick one of ``NUM_PERM`` bins and the rest is kept as the bin's minimum. The agreement rate of
two signatures estimates Jaccard similarity as for classic k-permutation MinHash, at the cost of one hash
per shingle instead of ``NUM_PERM``; the LSH buckets are computed from the signatures in numpy, once a batch.
Shingle hashes are polynomial rolling hashes over the UTF-8 bytes (deterministic across processes, unlike
Python's ``hash``), so a re-run builds exactly the same index.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # datasketch is imported when an index is made (it takes a second to import)
    pass

NUM_PERM = 128
SHINGLE = 3
WINDOW = dt.timedelta(days=7)
_BIN_BITS = 7  # 2**7 == NUM_PERM bins
_VALUE_BITS = 64 - _BIN_BITS
_VALUE_MASK = np.uint64((1 << _VALUE_BITS) - 1)
_EMPTY = np.uint64(np.iinfo(np.uint64).max)
_P = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_CJK_CHAR = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def prepare(title: str, body: str, *, cjk: bool = False) -> bytes:
    """The bytes a fingerprint is taken of: title + body, NFKC and case-folded when not plain ASCII.

    ASCII upper case is folded later, in numpy; whitespace needs no normalising because words are
    hashed one by one. With ``cjk`` every ideograph becomes a word of its own.
    """
    text = f"{title}\n{body}"
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        if cjk:
            text = _CJK_CHAR.sub(r" \1 ", text)
    return text.encode("utf-8")


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


@dataclass
class Fingerprints:
    """Exact-duplicate keys and MinHash signatures of a batch of texts."""

    exact: list[str]
    signatures: np.ndarray  # (n, NUM_PERM) uint64
    #: words in each text (texts with fewer than the shingle size have signatures that depend on their
    #: position in the batch as well); None when not known
    words: np.ndarray | None = None

    def band_keys(self, hashranges: Sequence[tuple[int, int]]) -> list[list[bytes]]:
        """The LSH bucket keys of every row, computed for the whole batch at once (as datasketch does)."""
        swapped = self.signatures.byteswap().tobytes()
        width = NUM_PERM * 8
        ranges = [(a * 8, b * 8) for a, b in hashranges]
        return [
            [swapped[row + a : row + b] for a, b in ranges] for row in range(0, len(swapped), width)
        ]


#: Texts are fingerprinted in chunks of about this many bytes, so the temporaries stay in cache.
CHUNK_BYTES = 1 << 18


def fingerprints(texts: Sequence[bytes], *, shingle: int = SHINGLE) -> Fingerprints:
    """Exact keys and MinHash signatures of word ``shingle``-grams for :func:`prepare`-d texts.

    A text shorter than ``shingle`` words is one shingle; a text without words gets an all-empty
    signature that matches nothing. Every text's fingerprint depends only on its bytes and its position
    in ``texts``, so the work is done in cache-sized chunks (same results, about twice as fast on long
    texts).
    """
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return fingerprints_joined(b"\n".join(texts) + b"\n" if texts else b"", offsets, shingle=shingle)


def fingerprints_joined(data: bytes | memoryview, offsets: np.ndarray, *, shingle: int = SHINGLE) -> Fingerprints:
    """:func:`fingerprints` of texts given as one buffer: text ``i`` is ``data[offsets[i]:offsets[i + 1]]``
    without its last byte, a newline (so ``data`` is ``b"\\n".join(texts) + b"\\n"``; any object with
    the buffer protocol will do, e.g. an Arrow buffer's memoryview)."""
    n = len(offsets) - 1
    if n <= 0:
        return Fingerprints([], np.full((0, NUM_PERM), _EMPTY, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    buf = np.frombuffer(data, dtype=np.uint8)
    parts: list[Fingerprints] = []
    start = 0
    while start < n:
        end = int(np.searchsorted(offsets, offsets[start] + CHUNK_BYTES, side="left"))
        end = min(max(end, start + 1), n)
        local = offsets[start : end + 1] - offsets[start]
        parts.append(_fingerprints(buf[offsets[start] : offsets[end]], local, shingle, start))
        start = end
    if len(parts) == 1:
        return parts[0]
    return Fingerprints(
        [h for p in parts for h in p.exact],
        np.concatenate([p.signatures for p in parts]),
        np.concatenate([p.words for p in parts if p.words is not None]),
    )


def _fingerprints(chunk: np.ndarray, offs: np.ndarray, shingle: int, offset: int) -> Fingerprints:
    """:func:`fingerprints` of the texts in ``chunk`` (each ending in a newline; text ``i`` starts at
    ``offs[i]``), which start at position ``offset`` of the caller's sequence."""
    n = len(offs) - 1
    sig = np.full((n, NUM_PERM), _EMPTY, dtype=np.uint64)
    size = len(chunk)
    data = np.zeros(size + 8, dtype=np.uint8)
    with np.errstate(over="ignore"):
        upper = (chunk - np.uint8(65)) < 26  # A-Z (other bytes wrap around to 26 and above)
    np.bitwise_or(chunk, upper.view(np.uint8) << 5, out=data[:size])  # ASCII lower case
    word = np.zeros(size + 2, dtype=bool)
    np.greater(chunk, 32, out=word[1:-1])  # space, tab, newlines and other controls separate words
    edges = np.flatnonzero(word[1:] != word[:-1])  # word starts and ends, alternately
    starts = edges[0::2]
    ends = edges[1::2]
    bounds = np.searchsorted(starts, offs)
    words_per_doc = np.diff(bounds)
    doc = np.repeat(np.arange(n), words_per_doc)
    # A word's hash: its first 8 and last 8 bytes (the whole word up to 16 bytes) and its length, read as
    # unaligned little-endian uint64s straight from the byte buffer.
    u64 = np.ndarray(shape=(size,), dtype="<u8", buffer=data.data, strides=(1,))
    length = (ends - starts).astype(np.uint64)
    mask = _MASKS[np.minimum(length, 8).astype(np.int64)]
    first = u64[starts] & mask
    last = first.copy()  # a word of at most 8 bytes: its last 8 are its first
    long_words = np.flatnonzero(length > 8)
    last[long_words] = u64[ends[long_words] - 8]
    with np.errstate(over="ignore"):
        words = _mix64(first ^ ((last + length * np.uint64(0x9E3779B97F4A7C15)) * np.uint64(0xD6E8FEB86659FD93)))
    wbytes = memoryview(words.tobytes())
    cuts = (bounds * 8).tolist()
    exact = [hashlib.sha1(wbytes[cuts[i] : cuts[i + 1]]).hexdigest() for i in range(n)]
    if len(words) == 0:
        return Fingerprints(exact, sig, words_per_doc)
    k = shingle
    if len(words) >= k:
        same = doc[: len(doc) - k + 1] == doc[k - 1 :]
        with np.errstate(over="ignore"):
            combined = words[: len(words) - k + 1].copy()
            for j in range(1, k):
                combined = combined * np.uint64(0x9E3779B97F4A7C15) + words[j : len(words) - k + 1 + j]
        s_hash = combined[same]
        s_doc = doc[: len(doc) - k + 1][same]
    else:
        s_hash = np.empty(0, dtype=np.uint64)
        s_doc = np.empty(0, dtype=np.int64)
    short = np.flatnonzero((words_per_doc > 0) & (words_per_doc < k))
    if len(short):  # fewer than k words: one shingle of them all
        with np.errstate(over="ignore"):
            extra = np.array(
                [int(np.bitwise_xor.reduce(words[bounds[i] : bounds[i + 1]] * np.uint64(offset + i + 3)))
                 for i in short],
                dtype=np.uint64,
            )
        s_hash = np.concatenate((s_hash, extra))
        s_doc = np.concatenate((s_doc, short))
    mixed = _mix64(s_hash)
    bins = (mixed >> np.uint64(_VALUE_BITS)).astype(np.int64)
    values = mixed & _VALUE_MASK
    np.minimum.at(sig.reshape(-1), s_doc * NUM_PERM + bins, values)
    _densify(sig, words_per_doc > 0)
    return Fingerprints(exact, sig, words_per_doc)


def fingerprint_at(text: bytes, position: int, *, shingle: int = SHINGLE) -> np.ndarray:
    """The signature :func:`fingerprints` gives ``text`` at ``position`` of its batch."""
    data = np.frombuffer(text + b"\n", dtype=np.uint8)
    return _fingerprints(data, np.array([0, len(data)], dtype=np.int64), shingle, position).signatures[0]


def _densify(sig: np.ndarray, has_words: np.ndarray) -> None:
    """Fill empty bins from the nearest non-empty bin to the right (circularly), offset by the distance."""
    rows = np.flatnonzero(has_words & (sig == _EMPTY).any(axis=1))
    if len(rows) == 0:
        return
    block = sig[rows]
    filled = block != _EMPTY
    cols = np.arange(2 * NUM_PERM, dtype=np.int16)  # small integers: a quarter of the memory traffic
    big = np.int16(4 * NUM_PERM)
    pos = np.where(np.concatenate((filled, filled), axis=1), cols, big)
    nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1][:, :NUM_PERM]
    dist = (nxt - cols[:NUM_PERM]).astype(np.uint64)
    src = np.take_along_axis(block, nxt % NUM_PERM, axis=1)
    with np.errstate(over="ignore"):
        out = np.where(filled, block, src + (dist << np.uint64(_VALUE_BITS)))
    sig[rows] = out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(slots=True)
class _Entry:
    published: dt.datetime
    signature: np.ndarray
    cluster_id: str


@dataclass
class NearDupIndex:
    """Originals indexed for near-duplicate look-up (datasketch MinHashLSH + time window + check)."""

    threshold: float = 0.8
    window: dt.timedelta = WINDOW
    entries: dict[str, _Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
        self.hashranges: list[tuple[int, int]] = list(self.lsh.hashranges)
        # every bucket key ever inserted through the fast path (a superset after removals: only a shortcut)
        self._bands: set[bytes] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def add(
        self, key: str, published: dt.datetime, signature: np.ndarray, cluster_id: str, bands: list[bytes] | None = None
    ) -> None:
        """Index an original; ``bands`` are its precomputed LSH bucket keys (see ``Fingerprints.band_keys``)."""
        if key in self.entries or bool((signature == _EMPTY).all()):
            return
        self.entries[key] = _Entry(published, signature, cluster_id)
        if bands is None:
            bands = self._band_keys(signature)
        # Same effect as MinHashLSH.insert, with the bucket keys computed once per batch.
        self._bands.update(bands)
        self.lsh.keys.insert(key, *bands)
        for band, table in zip(bands, self.lsh.hashtables, strict=True):
            table.insert(band, key)

    def _band_keys(self, signature: np.ndarray) -> list[bytes]:
        swapped = signature.byteswap().tobytes()
        return [swapped[a * 8 : b * 8] for a, b in self.hashranges]

    def remove(self, key: str) -> None:
        if self.entries.pop(key, None) is not None:
            self.lsh.remove(key)

    def candidates(self, signature: np.ndarray, bands: list[bytes] | None = None) -> set[str]:
        if bands is None:
            bands = self._band_keys(signature)
        if self._bands.isdisjoint(bands):  # no bucket in common with anything indexed: skip the look-up
            return set()
        found: set[str] = set()
        for band, table in zip(bands, self.lsh.hashtables, strict=True):
            found.update(table.get(band))
        return found

    def best_match(
        self, published: dt.datetime, signature: np.ndarray, bands: list[bytes] | None = None
    ) -> tuple[str, float] | None:
        """The most similar indexed original within the window and above the threshold, if any."""
        if not self.entries or bool((signature == _EMPTY).all()):
            return None
        best: tuple[str, float] | None = None
        for key in self.candidates(signature, bands):
            entry = self.entries[key]
            if abs(entry.published - published) > self.window:
                continue
            sim = similarity(entry.signature, signature)
            if sim >= self.threshold and (best is None or sim > best[1] or (sim == best[1] and key < best[0])):
                best = (key, sim)
        return best

    def batch_bands(self, prints: Fingerprints) -> list[Any]:
        """Per row of ``prints``, what :meth:`add` and :meth:`matcher` take as its ``bands``."""
        return list(prints.band_keys(self.hashranges))

    def matcher(
        self, published: Sequence[dt.datetime], signatures: np.ndarray, keys: Sequence[str], bands: Any = None
    ) -> Callable[[int], tuple[str, float] | None]:
        """``match(i)``: :meth:`best_match` of row ``i`` of a batch against the index as it is when asked."""

        def match(i: int) -> tuple[str, float] | None:
            return self.best_match(published[i], signatures[i], None if bands is None else bands[i])

        return match

    def prune(self, before: dt.datetime) -> int:
        """Forget originals published before ``before`` (they can no longer match anything newer).

        The LSH index is rebuilt from the rest, only when at least half would go (so the cost is
        amortised). Returns how many were dropped.
        """
        old = [k for k, e in self.entries.items() if e.published < before]
        if not old or len(old) * 2 < len(self.entries):
            return 0
        keep = {k: e for k, e in self.entries.items() if e.published >= before}
        from datasketch import MinHashLSH

        self.entries = {}
        self.lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
        self._bands = set()
        for key, entry in keep.items():
            self.add(key, entry.published, entry.signature, entry.cluster_id)
        return len(old)

    def cluster_of(self, key: str) -> str:
        return self.entries[key].cluster_id

    def published_of(self, key: str) -> dt.datetime:
        return self.entries[key].published


class BandIndex(NearDupIndex):
    """The same index, with the LSH banding done for a whole batch at once in numpy, for bulk ingest.

    Bands are datasketch's (its ``hashranges`` for the same threshold and ``num_perm``), so two
    signatures are candidates here exactly when they share a bucket in :class:`datasketch.MinHashLSH`.
    :meth:`matcher` finds, for every row of a batch, the candidates that pass the time window and the
    estimated-Jaccard threshold, among the originals indexed when the batch starts and the rows before it
    in the batch, with one sort per band (each band's slice hashed to 64 bits; every candidate pair left
    at the end is checked slice for slice, so a hash collision never makes one). The per-row look-up
    then only asks which of those are still indexed (a row earlier in the batch may have become a member,
    an original may have been replaced), and breaks ties as :meth:`NearDupIndex.best_match` does: the
    highest similarity, then the smallest key. Hence the same matches as :class:`NearDupIndex`, without a
    Python dict look-up per band and row.
    """

    def __post_init__(self) -> None:
        self.hashranges = list(_lsh_params(self.threshold))
        self._when: dict[str, int] = {}  # key -> publish time in microseconds since the epoch

    def add(
        self, key: str, published: dt.datetime, signature: np.ndarray, cluster_id: str, bands: Any = None
    ) -> None:
        if key in self.entries or _is_empty(signature):
            return
        self.entries[key] = _Entry(published, signature, cluster_id)

    def remove(self, key: str) -> None:
        self.entries.pop(key, None)
        self._when.pop(key, None)

    def batch_bands(self, prints: Fingerprints) -> list[Any]:
        return [None] * len(prints.exact)  # bands are computed by :meth:`matcher`

    def candidates(self, signature: np.ndarray, bands: Any = None) -> set[str]:
        """Indexed keys sharing at least one band with ``signature`` (exact slice comparison)."""
        if not self.entries:
            return set()
        keys = list(self.entries)
        stacked = np.stack([self.entries[k].signature for k in keys])
        shared = np.zeros(len(keys), dtype=bool)
        for a, b in self.hashranges:
            shared |= (stacked[:, a:b] == signature[a:b]).all(axis=1)
        return {k for k, s in zip(keys, shared.tolist(), strict=True) if s}

    def best_match(
        self, published: dt.datetime, signature: np.ndarray, bands: Any = None
    ) -> tuple[str, float] | None:
        """As :meth:`NearDupIndex.best_match` (one query; bulk ingest uses :meth:`matcher`)."""
        return self.matcher([published], signature[None, :], ["\0query"])(0)

    def matcher(
        self,
        published: Sequence[dt.datetime],
        signatures: np.ndarray,
        keys: Sequence[str],
        bands: Any = None,
        micros: np.ndarray | None = None,
    ) -> Callable[[int], tuple[str, float] | None]:
        """``match(i)``: :meth:`best_match` for row ``i`` of a batch, asked in row order while the caller
        adds and removes originals; only rows before ``i`` and originals indexed now can be matched.
        ``micros`` are the publish times in microseconds since the epoch, when the caller has them."""
        found = self._qualifying(published, signatures, micros)
        if micros is not None:  # the rows that become originals will need them as targets
            self._when.update(zip(keys, np.asarray(micros, dtype=np.int64).tolist(), strict=True))
        entries = self.entries

        def match(i: int) -> tuple[str, float] | None:
            best: tuple[str, float] | None = None
            for target, sim in found.get(i, ()):
                key = target if isinstance(target, str) else keys[target]
                if key not in entries:
                    continue
                if best is None or sim > best[1] or (sim == best[1] and key < best[0]):
                    best = (key, sim)
            return best

        return match

    def _qualifying(
        self, published: Sequence[dt.datetime], signatures: np.ndarray, micros: np.ndarray | None = None
    ) -> dict[int, list[tuple[str | int, float]]]:
        """{batch row: [(indexed key, or earlier batch row, similarity)]} of pairs sharing a band, within
        the window and at or above the threshold."""
        n = len(signatures)
        live = np.flatnonzero(~(signatures == _EMPTY).all(axis=1)) if n else np.empty(0, dtype=np.int64)
        if len(live) == 0:
            return {}
        old_keys = list(self.entries)
        m = len(old_keys)
        q_sig = signatures[live]
        if micros is not None:
            q_when = np.asarray(micros, dtype=np.int64)[live]
        else:
            q_when = np.array([_micros(published[i]) for i in live.tolist()], dtype=np.int64)
        if m:
            t_sig = np.concatenate((np.stack([self.entries[k].signature for k in old_keys]), q_sig))
            when = self._when
            for k in old_keys:
                if k not in when:
                    when[k] = _micros(self.entries[k].published)
            t_when = np.concatenate((np.fromiter((when[k] for k in old_keys), dtype=np.int64, count=m), q_when))
        else:
            t_sig, t_when = q_sig, q_when
        t_bands = _band_hashes(t_sig, self.hashranges)
        q, t = _shared_band_pairs(t_bands, m)
        # rows of the batch are matched only against rows before them (the index holds nothing later)
        keep = (t < m) | (t - m < q)
        keep &= np.abs(t_when[t] - q_when[q]) <= self.window // dt.timedelta(microseconds=1)
        q, t = q[keep], t[keep]
        if len(q) == 0:
            return {}
        counts = np.empty(len(q), dtype=np.int64)
        step = 1 << 16
        for s in range(0, len(q), step):
            counts[s : s + step] = np.count_nonzero(q_sig[q[s : s + step]] == t_sig[t[s : s + step]], axis=1)
        sims = counts.astype(np.float64) / signatures.shape[1]
        keep = sims >= self.threshold
        q, t, sims = q[keep], t[keep], sims[keep]
        if len(q) == 0:
            return {}
        same = np.zeros(len(q), dtype=bool)
        for a, b in self.hashranges:  # exact bucket equality (the 64-bit band hashes only proposed pairs)
            same |= (q_sig[q, a:b] == t_sig[t, a:b]).all(axis=1)
        out: dict[int, list[tuple[str | int, float]]] = {}
        live_list = live.tolist()
        for qi, ti, sim in zip(q[same].tolist(), t[same].tolist(), sims[same].tolist(), strict=True):
            target: str | int = old_keys[ti] if ti < m else live_list[ti - m]
            out.setdefault(live_list[qi], []).append((target, sim))
        return out

    def prune(self, before: dt.datetime) -> int:
        """As :meth:`NearDupIndex.prune` (same rule for when to prune)."""
        old = [k for k, e in self.entries.items() if e.published < before]
        if not old or len(old) * 2 < len(self.entries):
            return 0
        for key in old:
            del self.entries[key]
        # the publish times of every row a batch matched, duplicates included, are kept for the rows that
        # become originals: keep those of the originals still indexed
        self._when = {k: v for k, v in self._when.items() if k in self.entries}
        return len(old)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _band_hashes(signatures: np.ndarray, hashranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """(n, bands) uint64: each band's slice of every signature hashed to one word."""
    out = np.empty((len(signatures), len(hashranges)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k, (a, b) in enumerate(hashranges):
            h = signatures[:, a].copy()
            for c in range(a + 1, b):
                h = h * _P + signatures[:, c]
            out[:, k] = _mix64(h)
    return out


def _shared_band_pairs(bands: np.ndarray, first_query: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique (query, target) pairs of rows with an equal band hash; queries are the rows from
    ``first_query`` on (numbered from 0), targets any other row (numbered as in ``bands``)."""
    total = len(bands)
    is_query = np.zeros(total, dtype=bool)
    is_query[first_query:] = True
    codes: list[np.ndarray] = []
    for k in range(bands.shape[1]):
        order = np.argsort(bands[:, k], kind="stable")
        s = bands[order, k]
        head = np.empty(total, dtype=bool)
        head[0] = True
        np.not_equal(s[1:], s[:-1], out=head[1:])
        gid = np.cumsum(head) - 1
        starts = np.flatnonzero(head)
        size = np.diff(np.append(starts, total))
        qp = np.flatnonzero(is_query[order] & (size[gid] > 1))
        if len(qp) == 0:
            continue
        cnt = size[gid[qp]]
        rep = np.repeat(qp, cnt)
        tp = np.repeat(starts[gid[qp]], cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        keep = tp != rep
        codes.append((order[rep[keep]] - first_query) * total + order[tp[keep]])
    if not codes:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    code = np.unique(np.concatenate(codes))
    return code // total, code % total


def _is_empty(signature: np.ndarray) -> bool:
    """All bins empty (a text without words); the first bin answers for nearly every signature."""
    return bool(signature[0] == _EMPTY) and bool((signature == _EMPTY).all())


#: datasketch's bands for the default threshold and NUM_PERM (9 bands of 13 rows; a test checks them), so
#: that bulk ingest need not import datasketch and scipy.
_DEFAULT_RANGES = {0.8: tuple((13 * b, 13 * (b + 1)) for b in range(9))}


@functools.cache
def _lsh_params(threshold: float) -> tuple[tuple[int, int], ...]:
    if threshold in _DEFAULT_RANGES and NUM_PERM == 128:
        return _DEFAULT_RANGES[threshold]
    from datasketch import MinHashLSH

    return tuple(MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges)

