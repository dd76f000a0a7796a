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


def pin_one_core(core: int | None) -> None:
    """Run on one CPU (default the last) so the speed figure is a single-core figure.

    Args:
        core: CPU number, or None for the last one this process may use.
    """
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0)) if core is None else core})


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


def measure(pipelines: dict, sentences: list[str], repeats: int) -> dict[str, float]:
    """Best-of-`repeats` sentences/s of parse_sentences per pipeline, the pipelines taking turns.

    Taking turns keeps a neighbour's load on a shared machine from favouring one pipeline.

    Args:
        pipelines: spaCy pipelines by name.
        sentences: sentence strings.
        repeats: timed rounds.
    """
    best = dict.fromkeys(pipelines, 0.0)
    for nlp in pipelines.values():
        parse_sentences(sentences[:200], nlp)
    for _ in range(repeats):
        for name, nlp in pipelines.items():
            start = time.perf_counter()
            parse_sentences(sentences, nlp)
            best[name] = max(best[name], len(sentences) / (time.perf_counter() - start))
    return best


def label(model: Path) -> str:
    """A short name for a model folder (its path from the repo root when inside it).

    Args:
        model: a model folder.
    """
    model = model.resolve()
    return str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model)[-34:]


def main() -> int:
    """Print one row per pipeline; exit 0 (1 when the articles are absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="model folder(s); default the committed one")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N sentences")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--core", type=int, default=None, help="CPU to run on (default the last)")
    args = parser.parse_args()
    if not ARTICLES.is_dir():
        print(f"{ARTICLES} absent: the benchmark runs over the war-news articles in ../shared")
        return 1
    pin_one_core(args.core)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import spacy

    sentences = load_sentences(ARTICLES)
    if args.limit:
        sentences = sentences[: args.limit]
    words = sum(len(s.split()) for s in sentences)
    print(f"{len(sentences)} sentences ({words / len(sentences):.1f} words each) from {ARTICLES}; one core,")
    print(f"nlp.pipe over single-sentence Docs, batch 256, best of {args.repeats} rounds (pipelines take turns)\n")
    header = f"{'pipeline':<34} {'sent/s':>8} {'load s':>7} {'MB':>6} {'UAS':>6} {'LAS':>6} {'tag':>6} {'lemma':>6}"
    print(header)
    print("-" * len(header))
    pipelines, loads = {}, {}
    for name, model in [("baseline: blank en (tokenizer)", None)] + [(label(m), m) for m in args.model or [MODEL_DIR]]:
        start = time.perf_counter()
        pipelines[name] = spacy.blank("en") if model is None else spacy.load(model)
        loads[name] = time.perf_counter() - start
    speeds = measure(pipelines, sentences, args.repeats)
    for name, nlp in pipelines.items():
        row = f"{name:<34} {speeds[name]:>8.0f} {loads[name]:>7.2f}"
        if "parser" in nlp.pipe_names:
            test = nlp.meta.get("ewt_test", {})
            figures = [test.get(k, float("nan")) for k in ("dep_uas", "dep_las", "tag_acc", "lemma_acc")]
            row += f" {folder_size(nlp.path) / 1e6:>6.1f} " + " ".join(f"{x:>6.3f}" for x in figures)
        print(row)
    print("\nUAS/LAS/tag/lemma: EWT test split (gold tokens, punctuation excluded), from the model's meta.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
