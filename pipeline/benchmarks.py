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
