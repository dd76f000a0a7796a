"""Near-duplicate articles: an LSH index over MinHash signatures and the marking of copies.

The first-seen copy is canonical, later copies point at it (Article.duplicate_of_id) and only the
lines a copy adds to its original (see added_lines) are analysed again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.dedupe.clusters import count_sources
from pipeline.dedupe.dates import aware
from pipeline.dedupe.signatures import (
    MIX,
    NUM_PERM,
    Signature,
    minhash_signature,
    signature_from_bytes,
    signature_to_bytes,
)
from pipeline.dedupe.sql import chunks
from pipeline.models import Article, Claim, ClaimCluster


# LSH banding: 42 bands of 3 values (126 of the 128) put the candidate threshold near Jaccard 0.29:
# a copy cut to half of its original (Jaccard 0.5) is a candidate with probability 0.996, one cut to
# 40% with 0.94. Candidates are then checked on the whole signature, so a low threshold costs little.
LSH_BANDS = 42
LSH_ROWS = 3
# A text is a copy when at least this share of its shingles is in an earlier article: it says almost
# nothing new. On the test pairs (bench/bench_dedupe.py) syndicated copies keep 0.95-1.0, copies cut
# short 1.0, light rewrites (2-3% of words changed, a paragraph added) 0.82-0.95; a story that adds more
# than a fifth of new text around reused paragraphs is not a copy and gets analysed.
MIN_CONTAINMENT = 0.8
# Texts shorter than this many shingles (about 35 words) are never linked: briefs share too much.
MIN_SHINGLES = 30


class NearDuplicateIndex:
    """In-memory LSH over MinHash signatures that answers "which earlier article already says this?".

    Band keys live in plain dicts of ints (one per band) and signatures in one numpy matrix: about
    4 KB per article. datasketch's MinHashLSH keeps a set and a bytes key per band and article, which
    measured 1.2 GB and a per-article cost that grew by half from 10,000 to 100,000 articles.
    """

    def __init__(self, *, bands: int = LSH_BANDS, rows: int = LSH_ROWS,
                 min_containment: float = MIN_CONTAINMENT) -> None:
        """Create an empty index.

        Args:
            bands: LSH bands (more bands, lower candidate threshold, more memory).
            rows: hash values per band (more rows, higher candidate threshold); bands * rows <= NUM_PERM.
            min_containment: share of a text's shingles that must be in an earlier one to be its copy.
        """
        if bands * rows > NUM_PERM:
            raise ValueError(f"{bands} bands of {rows} need more than {NUM_PERM} hash values")
        self.bands, self.rows = bands, rows
        self.min_containment = min_containment
        self._tables: list[dict[int, int | list[int]]] = [{} for _ in range(bands)]
        self._ids: list[int] = []
        self._sizes: list[int] = []
        self._order: list = []
        self._matrix = np.empty((1024, NUM_PERM), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, article_id: int, signature: Signature, order_key=None) -> None:
        """Index an article; add canonical articles only.

        Args:
            article_id: the Article id.
            signature: its minhash_signature.
            order_key: when it was first seen, any comparable value given for all articles or for none
                (then the order of insertion counts).
        """
        row = len(self._ids)
        if row == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.empty_like(self._matrix)])
        self._matrix[row] = signature.minhash.hashvalues
        self._ids.append(article_id)
        self._sizes.append(signature.size)
        self._order.append(row if order_key is None else order_key)
        for table, key in zip(self._tables, self._band_keys(signature)):
            present = table.get(key)
            if present is None:
                table[key] = row
            elif isinstance(present, list):
                present.append(row)
            else:
                table[key] = [present, row]

    def matches(self, signature: Signature) -> list[tuple[int, float]]:
        """Return (article_id, containment, order_key) of indexed articles that contain this text, earliest first.

        Args:
            signature: the signature of the text to look up.
        """
        if signature.size < MIN_SHINGLES or not self._ids:
            return []
        rows: set[int] = set()
        for table, key in zip(self._tables, self._band_keys(signature)):
            present = table.get(key)
            if present is None:
                continue
            if isinstance(present, list):
                rows.update(present)
            else:
                rows.add(present)
        if not rows:
            return []
        ordered = sorted(rows, key=self._order.__getitem__)
        jaccard = (self._matrix[ordered] == signature.minhash.hashvalues).mean(axis=1)
        found = []
        for row, similarity in zip(ordered, jaccard.tolist()):
            # |A & B| = J * (|A| + |B|) / (1 + J): how much of the new text the indexed one holds.
            shared = similarity * (signature.size + self._sizes[row]) / (1 + similarity)
            containment = min(1.0, shared / signature.size)
            if containment >= self.min_containment:
                found.append((self._ids[row], containment, self._order[row]))
        return found

    def find(self, signature: Signature, before=None) -> int | None:
        """Return the earliest indexed article this text is a copy of, or None.

        Args:
            signature: the signature of the text to look up.
            before: only consider articles whose order key is smaller (seen before the text's article).
        """
        for article_id, _containment, order_key in self.matches(signature):
            if before is None or order_key < before:
                return article_id
        return None

    def _band_keys(self, signature: Signature) -> list[int]:
        """Fold each band's hash values into one 64-bit int key."""
        banded = signature.minhash.hashvalues[: self.bands * self.rows]
        values = banded.astype(np.uint64).reshape(self.bands, self.rows)
        keys = np.zeros(self.bands, dtype=np.uint64)
        for column in range(self.rows):
            keys = (keys ^ values[:, column]) * MIX[column % len(MIX)]
        return (keys ^ (keys >> np.uint64(29))).tolist()


def check_text(index: NearDuplicateIndex, article_id: int, text: str, order_key=None) -> tuple[Signature, int | None]:
    """The dedupe path for one text: sign it, look it up, index it when it is not a copy.

    Args:
        index: the index of canonical articles seen so far.
        article_id: the id the text is indexed under when it is canonical.
        text: the article body.
        order_key: when the article was first seen (see NearDuplicateIndex.add); only earlier articles
            can be its original.

    Returns:
        The text's signature and the id of the article it copies (None when it is canonical).
    """
    signature = minhash_signature(text)
    original = index.find(signature, before=order_key)
    if original is None and signature.size >= MIN_SHINGLES:
        index.add(article_id, signature, order_key)
    return signature, original


def added_lines(copy_text: str, original_text: str) -> list[str]:
    """Return the lines (paragraphs) of a copy that its original lacks, in the copy's order.

    A syndicated copy often appends its own paragraphs (local reaction, a new figure); those
    may hold a claim the original does not. Lines compare with case and whitespace ignored.

    Args:
        copy_text: the copy's text, one paragraph a line.
        original_text: the original's text, one paragraph a line.
    """
    def key(line: str) -> str:
        return " ".join(line.split()).casefold()

    known = {key(line) for line in original_text.splitlines()}
    return [line for line in copy_text.splitlines() if key(line) and key(line) not in known]


def load_near_duplicate_index(session: Session, exclude: Iterable[int] = ()) -> NearDuplicateIndex:
    """Rebuild the index from stored signatures of canonical articles, keyed by first-seen order.

    Args:
        session: the caller's session.
        exclude: article ids to leave out (those about to be re-checked).
    """
    excluded = set(exclude)
    index = NearDuplicateIndex()
    rows = session.execute(
        select(Article.id, Article.first_seen_at, Article.minhash)
        .where(Article.minhash.is_not(None), Article.duplicate_of_id.is_(None))
        .order_by(Article.first_seen_at, Article.id)
    )
    for article_id, first_seen, data in rows:
        if article_id in excluded:
            continue
        signature = signature_from_bytes(data)
        if signature.size >= MIN_SHINGLES:
            index.add(article_id, signature, _order_key(first_seen, article_id))
    return index


def mark_near_duplicates(session: Session, article_ids: list[int]) -> dict:
    """Sign articles and link each copy to the first-seen article that already says it all.

    Articles are taken in first-seen order (first_seen_at, then id) and can only copy an earlier one,
    so the outcome does not depend on the order of `article_ids`, and a second run changes nothing.
    Claim clusters that cite a canonical article are recounted, so copies are credited as sources.

    Args:
        session: the caller's session (the caller commits).
        article_ids: the articles to (re)check, e.g. those whose Article.minhash is still empty.

    Returns:
        Counts: articles, duplicates, canonical, changed (duplicate_of_id moved).
    """
    index = load_near_duplicate_index(session, exclude=article_ids)
    keys = sorted(
        _order_key(first_seen, article_id)
        for chunk in chunks(list(article_ids))
        for article_id, first_seen in session.execute(
            select(Article.id, Article.first_seen_at).where(Article.id.in_(chunk))
        )
    )
    counts = {"articles": len(keys), "duplicates": 0, "canonical": 0, "changed": 0}
    touched: set[int] = set()
    for chunk in chunks(keys):
        articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_([k[1] for k in chunk])))}
        for own_key in chunk:
            article = articles[own_key[1]]
            signature, original = check_text(index, article.id, article.body or "", own_key)
            article.minhash = signature_to_bytes(signature)
            if article.duplicate_of_id != original:
                touched.update(i for i in (article.duplicate_of_id, original) if i is not None)
                article.duplicate_of_id = original
                counts["changed"] += 1
            counts["duplicates" if original is not None else "canonical"] += 1
        session.flush()
    for chunk in chunks(sorted(touched)):
        for cluster in _clusters_citing(session, set(chunk)):
            cluster.source_count = count_sources(session, cluster.id)
    return counts


def _order_key(first_seen: datetime | None, article_id: int) -> tuple:
    return (aware(first_seen) or datetime.max.replace(tzinfo=timezone.utc), article_id)


def _clusters_citing(session: Session, article_ids: set[int]) -> list[ClaimCluster]:
    """Clusters holding a claim from any of these articles."""
    if not article_ids:
        return []
    return list(
        session.scalars(
            select(ClaimCluster).where(
                ClaimCluster.id.in_(select(Claim.cluster_id).where(Claim.article_id.in_(article_ids)))
            )
        )
    )
