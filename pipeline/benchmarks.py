"""Benchmarks run by `python -m pipeline bench ...`: each returns a dict of figures."""

from __future__ import annotations

import resource
import sys
import time
from collections import deque
from typing import Iterator

import numpy as np

VOCABULARY_SIZE = 30_000
COPY_SHARE = 0.2
# Copies are made from one of the last originals, as syndication happens within days.
RECENT_ORIGINALS = 1_000
OUTLETS = ("Reuters", "AFP", "The Moscow Times", "Kyiv Independent", "Yonhap", "Associated Press")


def bench_dedupe(articles: int, seed: int = 7) -> dict:
    """Time the near-duplicate path on generated articles: shingling, MinHash, LSH lookup and insert.

    Each article goes through dedupe.check_text, the function mark_near_duplicates runs per article,
    plus the serialisation of its signature for Article.minhash; only those calls are timed, not the
    text generation. A fifth of the articles are planted copies of a recent one (outlet boilerplate
    added, cut to 70-100%, 1% of words changed), so the figures also say what was found.

    Args:
        articles: how many articles to generate and check.
        seed: the generator's seed (same seed, same articles).

    Returns:
        articles, seconds and per_article_ms (CPU time of the timed calls: other processes on the
        machine do not inflate it), peak_mb (the process's peak resident memory, ru_maxrss), plus
        wall_seconds, planted_copies, copies_found, false_duplicates, indexed, words_per_article.
    """
    from pipeline.dedupe import NearDuplicateIndex, check_text, signature_to_bytes

    index = NearDuplicateIndex()
    elapsed = wall = 0.0
    words = planted = found = false_duplicates = 0
    for article_id, text, copy_of in generate_articles(articles, seed):
        words += text.count(" ") + 1
        started, started_wall = time.process_time(), time.perf_counter()
        signature, duplicate_of = check_text(index, article_id, text)
        signature_to_bytes(signature)
        elapsed += time.process_time() - started
        wall += time.perf_counter() - started_wall
        if copy_of is None:
            false_duplicates += duplicate_of is not None
        else:
            planted += 1
            found += duplicate_of == copy_of
    return {
        "articles": articles,
        "seconds": round(elapsed, 3),
        "per_article_ms": round(elapsed * 1000 / max(articles, 1), 4),
        "peak_mb": round(peak_rss_mb(), 1),
        "wall_seconds": round(wall, 3),
        "planted_copies": planted,
        "copies_found": found,
        "false_duplicates": false_duplicates,
        "indexed": len(index),
        "words_per_article": round(words / max(articles, 1)),
    }


def generate_articles(articles: int, seed: int = 7) -> Iterator[tuple[int, str, int | None]]:
    """Yield (article_id, text, copy_of) for made-up news articles, a fifth of them copies of a recent one.

    Texts are made one at a time so the generator holds only the recent originals, not the whole set.

    Args:
        articles: how many to yield.
        seed: the random seed.
    """
    rng = np.random.default_rng(seed)
    vocabulary = _make_vocabulary(rng, VOCABULARY_SIZE)
    cumulative = np.cumsum(1.0 / np.arange(1, VOCABULARY_SIZE + 1) ** 1.05)
    cumulative /= cumulative[-1]
    recent: deque[tuple[int, str]] = deque(maxlen=RECENT_ORIGINALS)
    for article_id in range(articles):
        if recent and rng.random() < COPY_SHARE:
            copy_of, original = recent[int(rng.integers(len(recent)))]
            yield article_id, _make_copy(rng, original, vocabulary), copy_of
        else:
            text = _make_article(rng, vocabulary, cumulative)
            recent.append((article_id, text))
            yield article_id, text, None


def _make_vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """Pronounceable made-up words, distinct, most frequent first."""
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    vocabulary: dict[str, None] = {}
    while len(vocabulary) < size:
        count = int(rng.integers(1, 5))
        vocabulary["".join(syllables[i] for i in rng.integers(len(syllables), size=count))] = None
    return list(vocabulary)


def _make_article(rng: np.random.Generator, vocabulary: list[str], cumulative: np.ndarray) -> str:
    """An article of 250-900 Zipf-distributed words in paragraphs of about 60."""
    length = int(rng.integers(250, 900))
    picks = np.searchsorted(cumulative, rng.random(length))
    tokens = [vocabulary[i] for i in picks]
    return "\n".join(" ".join(tokens[start : start + 60]) for start in range(0, length, 60))


def _make_copy(rng: np.random.Generator, original: str, vocabulary: list[str]) -> str:
    """A syndicated copy: the outlet's dateline and footer, cut to 70-100%, 1% of words replaced."""
    paragraphs = original.split("\n")
    keep = max(1, round(len(paragraphs) * float(rng.uniform(0.7, 1.0))))
    tokens = " ".join(paragraphs[:keep]).split(" ")
    for position in rng.integers(len(tokens), size=max(1, len(tokens) // 100)):
        tokens[position] = vocabulary[int(rng.integers(len(vocabulary)))]
    outlet = OUTLETS[int(rng.integers(len(OUTLETS)))]
    return f"MOSCOW ({outlet}) — " + " ".join(tokens) + f"\nCopyright {outlet}. All rights reserved."


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


PARTIES = ("RUS", "UKR", "PRK", "IRN", "USA", "CHN", "DEU", "GBR", "FRA", "TUR", "ISR", "IND", "PAK", "BLR", "SYR",
           "SAU", "EGY", "POL", "KOR", "JPN")
CATEGORIES = ("artillery_ammunition", "missiles", "drones", "air_defense", "armored_vehicles", "aircraft",
              "small_arms", "naval", "technology", "unspecified")


def synthesize_claims(session, clusters: int, seed: int = 7) -> dict:
    """Fill an empty, migrated store with generated claim clusters for the Claims page benchmark.

    Each cluster gets one to three claims from articles of nine outlets over three years; about a
    third have an alert with one delivery, a few have a review. Bulk inserts, committed by the caller.

    Args:
        session: a session on a migrated, empty store.
        clusters: how many claim clusters.
        seed: the generator's seed.

    Returns:
        counts of what was written (clusters, claims, articles, alerts).
    """
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import insert

    from pipeline.models import Alert, Article, Claim, ClaimCluster, CrawlRun, Delivery, Source

    rng = np.random.default_rng(seed)
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    session.execute(insert(Source), [
        {"id": i + 1, "key": f"outlet{i}", "name": f"Outlet {i}", "base_url": f"https://outlet{i}.example",
         "status": "ok", "created_at": start} for i in range(9)])
    session.execute(insert(CrawlRun), [{"id": 1, "run_key": "synthetic", "started_at": start, "stats": {}}])
    articles = max(clusters // 2, 1)
    published = [start + timedelta(minutes=int(m)) for m in rng.integers(0, 3 * 365 * 24 * 60, articles)]
    for first in range(0, articles, 20_000):
        session.execute(insert(Article), [
            {"id": i + 1, "identity": f"synthetic:{i}", "source_id": int(i % 9) + 1, "url": f"https://x.example/{i}",
             "title": f"Article {i}", "authors": [], "tags": [], "body": "", "content_sha256": "0" * 64,
             "problems": [], "published": published[i], "first_seen_at": published[i], "updated_at": published[i]}
            for i in range(first, min(first + 20_000, articles))])
    claim_id = alert_id = 0
    for first in range(0, clusters, 20_000):
        cluster_rows, claim_rows, alert_rows, delivery_rows = [], [], [], []
        for cid in range(first + 1, min(first + 20_000, clusters) + 1):
            supplier, recipient = rng.choice(len(PARTIES), 2, replace=False)
            category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
            article_ids = rng.integers(0, articles, int(rng.integers(1, 4)))
            seen = sorted(published[int(a)] for a in article_ids)
            cluster_rows.append({
                "id": cid, "supplier": PARTIES[supplier], "recipient": PARTIES[recipient], "category": category,
                "status": ("delivered", "committed", "unclear")[cid % 3], "stance": ("affirmed", "hedged")[cid % 2],
                "claimant_kinds": ["media"], "history": [], "source_count": len(article_ids),
                "first_seen_at": seen[0], "last_seen_at": seen[-1],
                "review_state": ("confirmed", "dismissed")[(cid // 50) % 2] if cid % 50 == 0 else None})
            for article in article_ids:
                claim_id += 1
                claim_rows.append({
                    "id": claim_id, "claim_key": f"{claim_id:064d}", "article_id": int(article) + 1, "cluster_id": cid,
                    "supplier": PARTIES[supplier], "recipient": PARTIES[recipient], "category": category,
                    "status": "delivered", "stance": "affirmed", "claimant": f"officials {cid % 97}",
                    "sentence": f"{PARTIES[supplier]} sent {PARTIES[recipient]} {category} (claim {claim_id}).",
                    "start": 0, "end": 40, "cues": ["sent"], "created_at": published[int(article)], "run_id": 1})
            if cid % 3 == 0:
                alert_id += 1
                alert_rows.append({"id": alert_id, "uid": f"{alert_id:032x}", "kind": "NEW", "cluster_id": cid,
                                   "summary": f"NEW transfer claim {cid}", "payload": {}, "created_at": seen[0]})
                delivery_rows.append({"alert_id": alert_id, "channel": "slack", "attempts": 1,
                                      "state": ("sent", "sent", "failed")[alert_id % 3], "created_at": seen[0]})
        session.execute(insert(ClaimCluster), cluster_rows)
        session.execute(insert(Claim), claim_rows)
        if alert_rows:
            session.execute(insert(Alert), alert_rows)
            session.execute(insert(Delivery), delivery_rows)
    return {"clusters": clusters, "claims": claim_id, "articles": articles, "alerts": alert_id}
