"""Benchmark the trained parser on one core: sentences/s over war-news, load time, size, EWT test scores.

Run: .venv/bin/python bench/bench_parser.py [--model DIR ...] [--limit N]
Baseline: spaCy's blank English pipeline (tokenizer alone), the floor any spaCy pipeline pays.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.claims.grammar import MODEL_DIR, parse_sentences  # noqa: E402
from pipeline.sentences import split_sentences  # noqa: E402

ARTICLES = ROOT.parent / "shared" / "data" / "war-news" / "articles"


def pin_one_core() -> None:
    """Run on one CPU so the speed figure is a single-core figure."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def load_sentences(folder: Path) -> list[str]:
    """Every sentence of every article body (the title line dropped) in `folder`.

    Args:
        folder: folder of .txt articles, title on the first line.
    """
    sentences = []
    for path in sorted(folder.glob("*.txt")):
        body = path.read_text(encoding="utf-8").partition("\n")[2]
        sentences.extend(body[start:end] for start, end in split_sentences(body))
    return sentences


def folder_size(path: Path) -> int:
    """Bytes of all files under `path`.

    Args:
        path: a folder.
    """
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(nlp, sentences: list[str], repeats: int) -> float:
    """Best-of-`repeats` sentences/s of parse_sentences over `sentences` (one warm-up pass first).

    Args:
        nlp: a spaCy pipeline.
        sentences: sentence strings.
        repeats: timed passes.
    """
    parse_sentences(sentences[:200], nlp)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        parse_sentences(sentences, nlp)
        best = max(best, len(sentences) / (time.perf_counter() - start))
    return best


def main() -> int:
    """Print one row per pipeline; exit 0 (1 when the articles are absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="model folder(s); default the committed one")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N sentences")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not ARTICLES.is_dir():
        print(f"{ARTICLES} absent: the benchmark runs over the war-news articles in ../shared")
        return 1
    pin_one_core()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import spacy

    sentences = load_sentences(ARTICLES)
    if args.limit:
        sentences = sentences[: args.limit]
    words = sum(len(s.split()) for s in sentences)
    print(f"{len(sentences)} sentences ({words / len(sentences):.1f} words each) from {ARTICLES}; one core,")
    print("nlp.pipe over single-sentence Docs, batch 256, best of", args.repeats, "passes\n")
    header = f"{'pipeline':<34} {'sent/s':>8} {'load s':>7} {'MB':>6} {'UAS':>6} {'LAS':>6} {'tag':>6} {'lemma':>6}"
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    blank = spacy.blank("en")
    load = time.perf_counter() - start
    print(f"{'baseline: blank en (tokenizer)':<34} {measure(blank, sentences, args.repeats):>8.0f} {load:>7.2f}")
    for model in args.model or [MODEL_DIR]:
        start = time.perf_counter()
        nlp = spacy.load(model)
        load = time.perf_counter() - start
        speed = measure(nlp, sentences, args.repeats)
        test = nlp.meta.get("ewt_test", {})
        figures = [test.get(k, float("nan")) for k in ("dep_uas", "dep_las", "tag_acc", "lemma_acc")]
        name = str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model)[-34:]
        print(f"{name:<34} {speed:>8.0f} {load:>7.2f} {folder_size(model) / 1e6:>6.1f} "
              + " ".join(f"{x:>6.3f}" for x in figures))
    print("\nUAS/LAS/tag/lemma: EWT test split (gold tokens, punctuation excluded), from the model's meta.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
