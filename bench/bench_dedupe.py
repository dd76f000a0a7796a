"""Benchmark near-duplicate detection: cost at two scales, a datasketch baseline, and the test pairs.

Run: .venv/bin/python bench/bench_dedupe.py [--small 10000] [--large 100000] [--baseline 10000]
     [--shared PATH] [--skip-pairs]

Figures printed:
1. Scaling: `python -m pipeline bench dedupe --articles N --json` for the small and large N, each in its
   own process (peak memory is per process): CPU seconds of the timed dedupe calls (stable when other
   processes share the machine; wall seconds are in the JSON too), ms per article, peak MB, copies found,
   false duplicates; then the large/small per-article ratio. Targets: < 2 ms per article and < 2 GB at
   100,000; ratio < 1.3 (linear).
2. Baseline: the textbook datasketch path on the same articles (MinHash(128).update_batch over encoded
   shingle strings, SHA-1 per shingle, MinHashLSH(threshold=0.5) query + insert), in its own process.
3. Test pairs: real article bodies from ../shared/data with copies made of each (syndicated with
   boilerplate, cut short, light rewrites) and non-copies (other articles, follow-ups that reuse part
   of the story around new paragraphs): the share flagged at several containment thresholds, which is
   how dedupe.MIN_CONTAINMENT was chosen.
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_in_process(args: list[str]) -> dict:
    """Run a Python command in a fresh interpreter and return the JSON object on its last line."""
    done = subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline(articles: int) -> dict:
    """The plain datasketch path on the benchmark's articles (run with --baseline-only N)."""
    from datasketch import MinHash, MinHashLSH

    from pipeline.benchmarks import generate_articles, peak_rss_mb
    from pipeline.dedupe import SHINGLE_WORDS, WORD_RE

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    elapsed, found, planted = 0.0, 0, 0
    for article_id, text, copy_of in generate_articles(articles):
        started = time.process_time()
        words = WORD_RE.findall(text.lower())
        shingles = {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}
        sketch = MinHash(num_perm=128)
        sketch.update_batch(shingles)
        hits = lsh.query(sketch)
        if not hits:
            lsh.insert(article_id, sketch)
        elapsed += time.process_time() - started
        if copy_of is not None:
            planted += 1
            found += copy_of in hits
    return {
        "articles": articles,
        "seconds": round(elapsed, 3),
        "per_article_ms": round(elapsed * 1000 / articles, 4),
        "peak_mb": round(peak_rss_mb(), 1),
        "planted_copies": planted,
        "copies_found": found,
    }


def print_scaling(small: int, large: int, baseline_articles: int) -> None:
    command = ["-m", "pipeline", "bench", "dedupe", "--json", "--articles"]
    rows = {f"dedupe {small:,}": run_in_process([*command, str(small)])}
    rows[f"dedupe {large:,}"] = run_in_process([*command, str(large)])
    if baseline_articles:
        rows[f"datasketch baseline {baseline_articles:,}"] = run_in_process(
            [__file__, "--baseline-only", str(baseline_articles)]
        )
    print(f"{'run':<30}{'seconds':>10}{'ms/article':>12}{'peak MB':>10}{'copies found':>16}{'false dups':>12}")
    for name, figures in rows.items():
        found = f"{figures['copies_found']}/{figures['planted_copies']}"
        print(
            f"{name:<30}{figures['seconds']:>10.1f}{figures['per_article_ms']:>12.3f}{figures['peak_mb']:>10.0f}"
            f"{found:>16}{figures.get('false_duplicates', '-'):>12}"
        )
    ratio = rows[f"dedupe {large:,}"]["per_article_ms"] / rows[f"dedupe {small:,}"]["per_article_ms"]
    print(f"per-article cost {large:,} / {small:,}: {ratio:.2f}x (target < 1.3x); targets at 100,000: < 2 ms, < 2048 MB")


def load_bodies(shared: Path) -> list[str]:
    """Real article bodies (over 150 words) from the article-extraction and news-pages sets."""
    truth = json.loads((shared / "data" / "article-extraction" / "ground-truth.json").read_text())
    bodies = [entry["articleBody"] for entry in truth.values()]
    for path in sorted(glob.glob(str(shared / "data" / "news-pages" / "*" / "*.json"))):
        for page in json.loads(Path(path).read_text()).values():
            body = page.get("body") or {}
            paragraphs = list(body.get("summary") or [])
            for section in body.get("sections") or []:
                paragraphs += section.get("paragraphs") or []
            bodies.append("\n".join(paragraphs))
    return [body for body in bodies if len(body.split()) > 150]


def make_pairs(bodies: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(earlier, later) text pairs by kind; kinds starting with "copy" should be flagged, the rest not."""
    rng = random.Random(7)

    def paragraphs(text: str) -> list[str]:
        return [p for p in re.split(r"\n+", text) if p.strip()]

    def cut(text: str, share: float) -> str:
        parts = paragraphs(text)
        return "\n".join(parts[: max(1, round(len(parts) * share))])

    def rewrite(text: str, rate: float) -> str:
        words = text.split(" ")
        swaps = ["said", "the", "reported", "officials", "also", "new", "on", "Tuesday"]
        return " ".join(rng.choice(swaps) if rng.random() < rate else word for word in words)

    def syndicate(text: str) -> str:
        return f"MOSCOW (AFP) — {text}\nCopyright AFP. Read more: subscribe to our newsletter for daily updates."

    def follow_up(text: str, keep: float, other: str) -> str:
        kept = [p for p in paragraphs(text) if rng.random() < keep]
        return "\n".join(paragraphs(other)[:3] + kept)

    pairs: dict[str, list[tuple[str, str]]] = {}
    for number, body in enumerate(bodies):
        other = bodies[(number + 1) % len(bodies)]
        for kind, later in (
            ("copy: syndicated", syndicate(body)),
            ("copy: cut to 80%", cut(body, 0.8)),
            ("copy: cut to 50%", cut(body, 0.5)),
            ("copy: 2% of words changed", rewrite(body, 0.02)),
            ("copy: syndicated, cut to 70%, 2% changed", syndicate(rewrite(cut(body, 0.7), 0.02))),
            ("copy? 5% of words changed", rewrite(body, 0.05)),
            ("not: another article", other),
            ("not: 3 new paragraphs + 50% of story", follow_up(body, 0.5, other)),
            ("not: 3 new paragraphs + 80% of story", follow_up(body, 0.8, other)),
            ("not: story + another article", body + "\n" + other),
        ):
            pairs.setdefault(kind, []).append((body, later))
    return pairs


def print_pairs(shared: Path) -> None:
    from pipeline import dedupe

    bodies = load_bodies(shared)
    thresholds = (0.7, 0.75, 0.8, 0.85, 0.9)
    print(f"\ntest pairs from {len(bodies)} real bodies: share flagged as a copy, by containment threshold")
    print(f"{'pair kind':<44}" + "".join(f"{t:>8}" for t in thresholds))
    for kind, pairs in make_pairs(bodies).items():
        flagged = []
        for threshold in thresholds:
            hits = 0
            for earlier, later in pairs:
                index = dedupe.NearDuplicateIndex(min_containment=threshold)
                index.add(1, dedupe.minhash_signature(earlier))
                hits += index.find(dedupe.minhash_signature(later)) == 1
            flagged.append(hits / len(pairs))
        print(f"{kind:<44}" + "".join(f"{share:>8.0%}" for share in flagged))
    print(f"chosen: MIN_CONTAINMENT = {dedupe.MIN_CONTAINMENT}, {dedupe.SHINGLE_WORDS}-word shingles, "
          f"{dedupe.NUM_PERM} permutations, {dedupe.LSH_BANDS} bands of {dedupe.LSH_ROWS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000, help="articles for the baseline (0: skip)")
    parser.add_argument("--baseline-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--skip-pairs", action="store_true")
    args = parser.parse_args()
    if args.baseline_only:
        print(json.dumps(baseline(args.baseline_only)))
        return
    print_scaling(args.small, args.large, args.baseline)
    if args.skip_pairs:
        return
    if not (args.shared / "data").is_dir():
        print(f"\ntest pairs skipped: {args.shared / 'data'} not found")
        return
    print_pairs(args.shared)


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    main()
