"""Benchmark the transfer-claim detector: dev-set and full-article P/R/F1 and fields, false alarms, speed.

Run: .venv/bin/python bench/bench_claims.py [--json] [--errors]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.claims import detect_claims  # noqa: E402
from pipeline.claims_eval import (  # noqa: E402
    false_alarms, iter_shared_bodies, load_dev, measure_speed, score_articles, score_dev)
from pipeline.sentences import split_sentences  # noqa: E402

TARGETS = {"dev_f1": 0.90, "articles_sentence_p": 0.85, "articles_sentence_r": 0.85, "articles_field_accuracy": 0.85,
           "false_alarms_per_1000": 1.0, "sentences_per_second": 3500}
ARTICLE_SETS = (
    ("claims_articles.jsonl", "Full articles (blind set, written before tuning)"),
    ("claims_articles_blind2.jsonl", "Second blind article set (scored once, then tuned on)"),
    ("claims_articles_blind3.jsonl", "Third blind article set (scored once, then tuned on)"),
    ("claims_articles_blind4.jsonl", "Fourth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind5.jsonl", "Fifth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind6.jsonl", "Sixth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind7.jsonl", "Seventh blind article set (scored once, then tuned on)"),
    ("claims_articles_blind8.jsonl", "Eighth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind9.jsonl", "Ninth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind10.jsonl", "Tenth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind11.jsonl", "Eleventh blind article set (scored once, then tuned on)"),
    ("claims_articles_blind12.jsonl", "Twelfth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind13.jsonl", "Thirteenth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind14.jsonl", "Fourteenth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind15.jsonl", "Fifteenth blind article set (scored once, then tuned on)"),
    ("claims_articles_blind16.jsonl", "Sixteenth blind article set (scored once, not tuned on)"),
)


def pin_one_core() -> None:
    """Run on one CPU so the speed figure is a single-core figure."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> int:
    """Print the figures; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON line of the figures at the end")
    parser.add_argument("--errors", action="store_true", help="list disagreements on the labelled sets")
    args = parser.parse_args()
    pin_one_core()
    figures: dict = {}

    dev = load_dev(ROOT / "tests" / "data" / "claims_dev.jsonl")
    s = score_dev(dev)
    sp, sr, sf = s.sentence_prf()
    cp, cr, cf = s.claim_prf()
    n_pos = sum(1 for r in dev if r["claims"])
    print(f"Dev set: {len(dev)} lines ({n_pos} with claims, {len(dev) - n_pos} near-misses), "
          f"{sum(len(r['claims']) for r in dev)} labelled claims")
    print(f"  sentence level  P {sp:.3f}  R {sr:.3f}  F1 {sf:.3f}   (target F1 >= {TARGETS['dev_f1']})")
    print(f"  claim level     P {cp:.3f}  R {cr:.3f}  F1 {cf:.3f}   (match = supplier+recipient+category)")
    acc = s.field_accuracy()
    print("  field accuracy on paired claims: " + "  ".join(
        f"{k} {v:.3f}" if v is not None else f"{k} n/a" for k, v in acc.items()))
    figures.update(dev_sentence_p=sp, dev_sentence_r=sr, dev_sentence_f1=sf, dev_claim_p=cp, dev_claim_r=cr,
                   dev_claim_f1=cf, dev_field_accuracy=acc)
    if args.errors:
        for err in s.errors:
            print("   ", err)
    hold_path = ROOT / "tests" / "data" / "claims_holdout.jsonl"
    if hold_path.exists():
        hold = load_dev(hold_path)
        h = score_dev(hold)
        hp, hr, hf = h.sentence_prf()
        hcp, hcr, hcf = h.claim_prf()
        print(f"Held-out set ({len(hold)} lines written after the rules, not tuned on): sentence P {hp:.3f} R {hr:.3f} "
              f"F1 {hf:.3f}; claim P {hcp:.3f} R {hcr:.3f} F1 {hcf:.3f}")
        figures.update(holdout_sentence_f1=hf, holdout_claim_f1=hcf)
        if args.errors:
            for err in h.errors:
                print("   ", err)

    for name, title in ARTICLE_SETS:
        path = ROOT / "tests" / "data" / name
        if path.exists():
            key = path.stem.replace("claims_", "")
            figures.update(print_article_set(path, title, key, args.errors))

    seed_dir = ROOT.parent / "shared" / "seeds"
    seed_texts = [p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("*.txt"))] if seed_dir.exists() else []
    for text in seed_texts:
        claims = detect_claims(text)
        print(f"Seed article: {len(claims)} claims")
        for c in claims:
            print(f"  {c.supplier}->{c.recipient} {c.category} q={c.quantity} {c.status}/{c.stance} "
                  f"claimant={c.claimant!r}: {c.sentence[:90]!r}")
        figures["seed_claims"] = len(claims)

    shared = ROOT.parent / "shared"
    texts = list(t for _, t in iter_shared_bodies(shared)) if (shared / "data").exists() else []
    if texts:
        n_sent, found = false_alarms(shared)
        rate = 1000 * len(found) / max(n_sent, 1)
        print(f"False alarms on shared/data: {len(found)} claims in {n_sent} sentences = {rate:.2f} per 1,000 "
              f"(target < {TARGETS['false_alarms_per_1000']})")
        for name, c in found:
            print(f"  [{name}] {c.supplier}->{c.recipient} {c.category}: {c.sentence[:160]!r}")
            print(f"      cues: {c.cues}")
        figures.update(shared_sentences=n_sent, shared_claims=len(found), false_alarms_per_1000=rate)
    else:
        print("False alarms: ../shared/data not present, skipped")

    corpus = texts + [r["text"] for r in dev] + seed_texts
    rate, n = measure_speed(corpus)
    split_rate, _ = _split_speed(corpus)
    print(f"Speed (one core): {rate:,.0f} sentences/s over {n} sentences "
          f"(target >= {TARGETS['sentences_per_second']:,}; baseline: segmentation alone {split_rate:,.0f}/s)")
    figures.update(sentences_per_second=rate, split_sentences_per_second=split_rate)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


def print_article_set(path: Path, title: str, key: str, errors: bool) -> dict:
    """Score one labelled article set, print its figures and return them keyed by key."""
    arts = load_dev(path)
    a = score_articles(arts)
    ap, ar, af = a.sentence_prf()
    acp, acr, acf = a.claim_prf()
    acc = a.field_accuracy()
    n_sent = sum(len(r["sentences"]) for r in arts)
    n_pos = sum(1 for r in arts for x in r["sentences"] if x["claims"])
    print(f"{title}: {len(arts)} articles, {n_sent} sentences ({n_pos} with claims)")
    print(f"  sentence level  P {ap:.3f}  R {ar:.3f}  F1 {af:.3f}   (targets P, R >= {TARGETS['articles_sentence_p']})")
    print(f"  claim level     P {acp:.3f}  R {acr:.3f}  F1 {acf:.3f}")
    print("  field accuracy on paired claims: " + "  ".join(
        f"{k} {v:.3f}" if v is not None else f"{k} n/a" for k, v in acc.items())
          + f"   (target supplier/recipient/category >= {TARGETS['articles_field_accuracy']})")
    if errors:
        for err in a.errors:
            print("   ", err)
    return {f"{key}_sentence_p": ap, f"{key}_sentence_r": ar, f"{key}_sentence_f1": af, f"{key}_claim_f1": acf,
            f"{key}_field_accuracy": acc}


def _split_speed(texts: list[str]) -> tuple[float, int]:
    """Baseline: sentence segmentation alone, sentences per second."""
    import time

    n = sum(len(split_sentences(t)) for t in texts)
    start = time.perf_counter()
    rounds = 0
    while time.perf_counter() - start < 0.5:
        for t in texts:
            split_sentences(t)
        rounds += 1
    return rounds * n / (time.perf_counter() - start), n


if __name__ == "__main__":
    raise SystemExit(main())
