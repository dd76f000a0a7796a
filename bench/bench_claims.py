"""Benchmark the claim detector: speed on one core (parse included) beside baselines, load time, prefilter
recall on the real labelled sets, false alarms on ordinary news.

Run: .venv/bin/python bench/bench_claims.py [--json]
(Accuracy on the real labelled sets, cross-validated: python -m pipeline claims eval.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.claims.evaluate import REAL_SETS, iter_news_bodies, load_real_set, shared_data_dir  # noqa: E402
from pipeline.sentences import split_sentences  # noqa: E402

TARGETS = {"sentences_per_second": 1500, "load_seconds": 2.0, "prefilter_recall": 0.99, "false_alarms_per_1000": 1.0}


def pin_one_core() -> None:
    """Run on one CPU so the speed figures are single-core figures."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def measure_load() -> tuple[float, object]:
    """Seconds to load lexicons, parser and decision models in a fresh process state."""
    start = time.perf_counter()
    from pipeline.claims.detect import load_resources

    res = load_resources()
    return time.perf_counter() - start, res


def measure_speed(texts: list[str], detect, min_seconds: float = 5.0, batch: int = 1) -> float:
    """Sentences per second of detect over texts, `batch` texts per call (repeated for at least min_seconds)."""
    n = sum(len(split_sentences(t)) for t in texts)
    done, start = 0, time.perf_counter()
    while True:
        for i in range(0, len(texts), batch):
            detect(texts[i:i + batch] if batch > 1 else texts[i])
        done += n
        if time.perf_counter() - start >= min_seconds:
            return done / (time.perf_counter() - start)


def parse_everything(res):
    """Baseline: split and parse every sentence, no prefilter, no decisions."""
    def run(text: str):
        return list(res.nlp.pipe([text[s:e] for s, e in split_sentences(text)], batch_size=256))
    return run


def prefilter_recall(res) -> dict:
    """Share of labelled claim sentences the prefilter sends to the parser, and share of all sentences it sends."""
    from pipeline.claims.article import read_article

    out = {}
    for name in REAL_SETS:
        kept = gold = passed = total = 0
        for a in load_real_set(name):
            spans = {(c["start"], c["end"]) for c in a.claims}
            sentences = read_article(a.text, res.lex, res.frames)
            total += len(sentences)
            passed += sum(s.worth_parsing for s in sentences)
            for start, end in spans:
                gold += 1
                kept += any(s.worth_parsing and min(end, s.end) > max(start, s.start) for s in sentences)
        out[name] = {"recall": kept / gold, "share_parsed": passed / total}
    return out


def false_alarms(detect) -> tuple[int, list]:
    """Sentences and claims found in every ordinary news body of ../shared/data."""
    sentences, found = 0, []
    for name, body in iter_news_bodies():
        sentences += len(split_sentences(body))
        found += [(name, c) for c in detect(body)]
    return sentences, found


def main() -> int:
    """Print the figures beside their baselines and targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON line of the figures at the end")
    args = parser.parse_args()
    pin_one_core()
    from pipeline.claims.detect import DETECT_BATCH, detect_claims, detect_many

    load_s, res = measure_load()
    print(f"Load (lexicons, parser, decision models): {load_s:.2f} s (target < {TARGETS['load_seconds']} s)")
    figures: dict = {"load_seconds": load_s}
    war = shared_data_dir() / "war-news" / "articles"
    if not war.is_dir():
        print("../shared/data is missing: speed, prefilter and false-alarm figures need it")
        return 0
    texts = [p.read_text(encoding="utf-8") for p in sorted(war.glob("*.txt"))]
    n = sum(len(split_sentences(t)) for t in texts)
    ours = measure_speed(texts, lambda batch: detect_many(batch, res), batch=DETECT_BATCH)
    single = measure_speed(texts, lambda t: detect_claims(t, res))
    everything = measure_speed(texts, parse_everything(res), min_seconds=3.0)
    split_only = measure_speed(texts, split_sentences, min_seconds=1.0)
    print(f"Speed over all {len(texts)} war-news articles ({n} sentences), one core:")
    print(f"  detector, end to end      {ours:8,.0f} sentences/s   (target >= {TARGETS['sentences_per_second']:,}; "
          f"{DETECT_BATCH} articles per call, as the detect step runs)")
    print(f"  detector, one article     {single:8,.0f} sentences/s   (one call per article)")
    print(f"  baseline: parse them all  {everything:8,.0f} sentences/s   (no prefilter, no decisions)")
    print(f"  baseline: segmentation    {split_only:8,.0f} sentences/s")
    figures.update(sentences_per_second=ours, one_article_per_second=single, parse_all_per_second=everything, split_per_second=split_only)
    pre = prefilter_recall(res)
    for name, f in pre.items():
        print(f"Prefilter on {name}: keeps {f['recall']:.3f} of labelled claim sentences (target >= "
              f"{TARGETS['prefilter_recall']}), parses {f['share_parsed']:.2f} of all sentences")
    figures["prefilter"] = pre
    sentences, found = false_alarms(lambda t: detect_claims(t, res))
    rate = 1000 * len(found) / max(sentences, 1)
    print(f"False alarms on ordinary news (news-pages + article-extraction): {len(found)} claims in {sentences} "
          f"sentences = {rate:.2f} per 1,000 (target < {TARGETS['false_alarms_per_1000']})")
    for name, c in found:
        print(f"  [{name}] {c.supplier}->{c.recipient} {c.category}: {c.sentence[:140]!r}")
    figures.update(false_alarm_sentences=sentences, false_alarm_claims=len(found), false_alarms_per_1000=rate)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
