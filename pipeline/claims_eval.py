"""Scoring for the claim detector: labelled dev set, labelled full articles, false alarms on ordinary news, speed."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.claims import Claim, detect_claims
from pipeline.sentences import split_sentences

FIELDS = ("supplier", "recipient", "category", "status", "stance", "quantity", "claimant")


@dataclass
class DevScore:
    """Figures for one run over the dev set."""

    sentence_tp: int = 0
    sentence_fp: int = 0
    sentence_fn: int = 0
    claim_tp: int = 0
    claim_fp: int = 0
    claim_fn: int = 0
    field_right: dict = field(default_factory=lambda: {f: 0 for f in FIELDS})
    field_total: dict = field(default_factory=lambda: {f: 0 for f in FIELDS})
    errors: list = field(default_factory=list)

    @staticmethod
    def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def sentence_prf(self) -> tuple[float, float, float]:
        """Precision, recall, F1 of 'this line holds a claim'."""
        return self._prf(self.sentence_tp, self.sentence_fp, self.sentence_fn)

    def claim_prf(self) -> tuple[float, float, float]:
        """Precision, recall, F1 of claims matched on supplier, recipient and category."""
        return self._prf(self.claim_tp, self.claim_fp, self.claim_fn)

    def field_accuracy(self) -> dict:
        """Share of paired claims whose field is right."""
        return {f: (self.field_right[f] / self.field_total[f] if self.field_total[f] else None) for f in FIELDS}


def load_dev(path: Path) -> list[dict]:
    """Read the labelled dev set (JSON lines with text and expected claims).

    Args:
        path: the claims_dev.jsonl file.
    """
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _field_ok(name: str, expected: dict, got: Claim) -> bool | None:
    """Compare one field; None when the label does not state it."""
    if name == "quantity":
        if "quantity" not in expected:
            return None
        want, have = expected["quantity"], got.quantity
        if want is None or have is None:
            return want is have
        return all(want.get(k) == have.get(k) for k in ("min", "max", "unit"))
    if name == "claimant":
        if "claimant" not in expected:
            return None
        want, have = expected["claimant"], got.claimant
        if want is None or have is None:
            return want is have
        return want.lower() in have.lower()
    return expected.get(name) == getattr(got, name)


def _pair(expected: list[dict], got: list[Claim]) -> list[tuple[dict, Claim]]:
    """Greedy pairing of expected and found claims by agreement on the core fields."""
    pairs = []
    free = list(got)
    for e in expected:
        if not free:
            break
        best = max(free, key=lambda c: sum(e.get(k) == getattr(c, k) for k in ("supplier", "recipient", "category")))
        pairs.append((e, best))
        free.remove(best)
    return pairs


def score_dev(records: list[dict]) -> DevScore:
    """Run the detector over dev records and score it.

    Args:
        records: dev-set records ({"id", "text", "claims"}).
    """
    s = DevScore()
    for rec in records:
        _score_sentence(s, rec["id"], rec["text"], rec["claims"], detect_claims(rec["text"]))
    return s


def _sentence_of_claim(sentences: list[dict], claim: Claim) -> int | None:
    """Index of the labelled sentence a found claim belongs to (by offsets, then by the item's words)."""
    overlapping = [i for i, s in enumerate(sentences) if s["start"] < claim.end and claim.start < s["end"]]
    if len(overlapping) > 1 and claim.item:
        holding = [i for i in overlapping if claim.item.lower() in sentences[i]["text"].lower()]
        if holding:
            return holding[0]
    return overlapping[0] if overlapping else None


def _score_sentence(s: DevScore, sid: str, text: str, want: list[dict], got: list[Claim]) -> None:
    """Add one labelled sentence's sentence-level, claim-level and field figures to s."""
    if want and got:
        s.sentence_tp += 1
    elif got:
        s.sentence_fp += 1
    elif want:
        s.sentence_fn += 1
    remaining = [(w["supplier"], w["recipient"], w["category"]) for w in want]
    matched = 0
    for c in got:
        key = (c.supplier, c.recipient, c.category)
        if key in remaining:
            remaining.remove(key)
            matched += 1
    s.claim_tp += matched
    s.claim_fp += len(got) - matched
    s.claim_fn += len(want) - matched
    for e, c in _pair(want, got):
        for f in FIELDS:
            ok = _field_ok(f, e, c)
            if ok is None:
                continue
            s.field_total[f] += 1
            s.field_right[f] += int(ok)
            if not ok:
                s.errors.append((sid, f, e.get(f), getattr(c, f), text[:70]))
    if matched != len(want) or len(got) != matched:
        s.errors.append((sid, "claims", [(w["supplier"], w["recipient"], w["category"]) for w in want],
                         [(c.supplier, c.recipient, c.category) for c in got], text[:110]))


def score_articles(records: list[dict]) -> DevScore:
    """Run the detector over whole labelled articles and score every sentence of them.

    Args:
        records: article records ({"id", "text", "sentences": [{"start", "end", "text", "claims"}]}).
    """
    s = DevScore()
    for rec in records:
        sentences = rec["sentences"]
        found: list[list[Claim]] = [[] for _ in sentences]
        for c in detect_claims(rec["text"]):
            i = _sentence_of_claim(sentences, c)
            if i is None:
                s.sentence_fp += 1
                s.claim_fp += 1
                s.errors.append((rec["id"], "outside", None, (c.supplier, c.recipient, c.category), c.sentence[:110]))
                continue
            found[i].append(c)
        for i, sent in enumerate(sentences):
            _score_sentence(s, f"{rec['id']}#{i}", sent["text"], sent["claims"], found[i])
    return s


def iter_shared_bodies(shared: Path):
    """Yield (name, body text) for every article body in shared/data.

    Args:
        shared: the ../shared folder.
    """
    for path in sorted((shared / "data" / "news-pages").glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, page in sorted(data.items()):
            body = page.get("body") or {}
            paras = list(body.get("summary") or [])
            for section in body.get("sections") or []:
                paras += list(section.get("headline") or [])
                paras += list(section.get("paragraphs") or [])
            yield f"{path.parent.name}/{path.stem}/{key}", "\n".join(paras)
    truth = shared / "data" / "article-extraction" / "ground-truth.json"
    if truth.exists():
        for key, page in sorted(json.loads(truth.read_text(encoding="utf-8")).items()):
            yield f"article-extraction/{key[:12]}", page.get("articleBody") or ""


def false_alarms(shared: Path) -> tuple[int, list[tuple[str, Claim]]]:
    """Count sentences and list claims found in ordinary news bodies.

    Args:
        shared: the ../shared folder.
    """
    sentences = 0
    found = []
    for name, text in iter_shared_bodies(shared):
        sentences += len(split_sentences(text))
        found += [(name, c) for c in detect_claims(text)]
    return sentences, found


def measure_speed(texts: list[str], min_seconds: float = 2.0) -> tuple[float, int]:
    """Sentences per second of detect_claims over texts (repeated for at least min_seconds).

    Args:
        texts: article texts.
        min_seconds: minimum wall time to measure.
    """
    n_sent = sum(len(split_sentences(t)) for t in texts)
    done, start = 0, time.perf_counter()
    while True:
        for t in texts:
            detect_claims(t)
        done += n_sent
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed, n_sent
