"""Scoring on the hand-labelled real sets (../shared/data/war-news, arms-news): sentence and claim P/R/F1."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

CORE = ("supplier", "recipient", "category")
FIELDS = ("supplier", "recipient", "category", "status", "stance", "quantity", "claimant")
REAL_SETS = ("war-news", "arms-news")


@dataclass
class Article:
    """One labelled article: its name, text and labelled claims (dicts with start/end offsets)."""

    name: str
    text: str
    claims: list[dict]


@dataclass
class Score:
    """Counts over a labelled set, and the disagreements behind them."""

    sentence_tp: int = 0
    sentence_fp: int = 0
    sentence_fn: int = 0
    claim_tp: int = 0
    claim_fp: int = 0
    claim_fn: int = 0
    field_right: Counter = field(default_factory=Counter)
    field_total: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        """Add another score's counts and errors to this one."""
        for name in ("sentence_tp", "sentence_fp", "sentence_fn", "claim_tp", "claim_fp", "claim_fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.field_right.update(other.field_right)
        self.field_total.update(other.field_total)
        self.errors.extend(other.errors)

    def sentence_prf(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of 'this sentence holds a claim'."""
        return prf(self.sentence_tp, self.sentence_fp, self.sentence_fn)

    def claim_prf(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of claims matched on supplier, recipient and category."""
        return prf(self.claim_tp, self.claim_fp, self.claim_fn)

    def field_accuracy(self) -> dict[str, float | None]:
        """Share of found claims (paired with a labelled one) whose field is right."""
        return {f: (self.field_right[f] / self.field_total[f] if self.field_total[f] else None) for f in FIELDS}

    def figures(self) -> dict:
        """All figures as a flat dict (for JSON output and CI thresholds)."""
        sp, sr, sf = self.sentence_prf()
        cp, cr, cf = self.claim_prf()
        out = {"sentence_p": sp, "sentence_r": sr, "sentence_f1": sf, "claim_p": cp, "claim_r": cr, "claim_f1": cf}
        out.update({f"{k}_acc": v for k, v in self.field_accuracy().items()})
        return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (1.0 when nothing to count)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def shared_data_dir(root: Path | None = None) -> Path:
    """The ../shared/data folder beside the project root."""
    root = root or Path(__file__).resolve().parents[2]
    return root.parent / "shared" / "data"


def read_jsonl(paths: list[Path]) -> list[dict]:
    """Every record of some JSON-lines files, in order (blank lines skipped).

    Args:
        paths: the files.
    """
    return [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_real_set(name: str, data_dir: Path | None = None) -> list[Article]:
    """Read one labelled real set (labels.jsonl plus the article texts).

    Args:
        name: "war-news" or "arms-news".
        data_dir: the shared data folder (default ../shared/data).
    """
    folder = (data_dir or shared_data_dir()) / name
    return [Article(rec["article"], (folder / "articles" / rec["article"]).read_text(encoding="utf-8"), rec["claims"])
            for rec in read_jsonl([folder / "labels.jsonl"])]


def load_added_labels(path: Path, data_dir: Path | None = None) -> list[Article]:
    """Read labels added here (article names, offsets and fields only) over the war-news texts.

    Args:
        path: a JSON-lines file like tests/data/war_news_extra_labels.jsonl (item_span, claimant_span offsets).
        data_dir: the shared data folder (default ../shared/data).
    """
    folder = (data_dir or shared_data_dir()) / "war-news" / "articles"
    articles = []
    for rec in read_jsonl([path]):
        text = (folder / rec["article"]).read_text(encoding="utf-8")
        claims = [_claim_from_spans(text, c) for c in rec["claims"]]
        articles.append(Article(rec["article"], text, claims))
    return articles


def load_synthetic_articles(folder: Path) -> list[Article]:
    """Read the articles written and labelled here (tests/data/claims_articles*.jsonl) as labelled articles.

    Args:
        folder: the tests/data folder.
    """
    articles = []
    for rec in read_jsonl(sorted(folder.glob("claims_articles*.jsonl"))):
        claims = [dict(c, start=s["start"], end=s["end"], sentence=s["text"])
                  for s in rec["sentences"] for c in s["claims"]]
        articles.append(Article(rec["id"], rec["text"], claims))
    return articles


def load_training_articles(folder: Path) -> list[Article]:
    """Read the articles written here for training (tests/data/train_articles_*.jsonl; claims name their sentence).

    Args:
        folder: the tests/data folder.
    """
    articles = []
    for rec in read_jsonl(sorted(folder.glob("train_articles_*.jsonl"))):
        claims = []
        for c in rec["claims"]:
            start = rec["text"].index(c["sentence"])
            claims.append(dict(c, start=start, end=start + len(c["sentence"])))
        articles.append(Article(rec["id"], rec["text"], claims))
    return articles


def _claim_from_spans(text: str, c: dict) -> dict:
    """A labelled claim with its sentence, item and claimant read from the article by offsets."""
    out = dict(c)
    out["sentence"] = text[c["start"]:c["end"]]
    out["item"] = text[slice(*c["item_span"])] if c.get("item_span") else None
    out["claimant"] = text[slice(*c["claimant_span"])] if c.get("claimant_span") else None
    return out


def score_article(article: Article, found: list) -> Score:
    """Score the claims found in one article against its labels.

    Args:
        article: the labelled article.
        found: claims found (objects with start, end and the claim fields), offsets into article.text.
    """
    s = Score()
    gold = _group_gold(article.claims)
    spans = sorted(gold)
    by_gold: dict[tuple[int, int], list] = {span: [] for span in spans}
    stray: dict[tuple[int, int], list] = {}
    for c in found:
        span = overlapping_span(spans, c.start, c.end)
        (by_gold[span] if span else stray.setdefault((c.start, c.end), [])).append(c)
    for span in spans:
        _score_sentence(s, article, span, gold[span], by_gold[span])
    for span, claims in stray.items():
        _score_sentence(s, article, span, [], claims)
    return s


def _group_gold(claims: list[dict]) -> dict[tuple[int, int], list[dict]]:
    """Labelled claims grouped by their sentence span."""
    out: dict[tuple[int, int], list[dict]] = {}
    for c in claims:
        out.setdefault((c["start"], c["end"]), []).append(c)
    return out


def overlapping_span(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The labelled span that overlaps [start, end) the most, if any.

    Args:
        spans: labelled sentence spans.
        start: start of the span to place.
        end: its end.
    """
    best, most = None, 0
    for s, e in spans:
        overlap = min(e, end) - max(s, start)
        if overlap > most:
            best, most = (s, e), overlap
    return best


def _score_sentence(s: Score, article: Article, span: tuple[int, int], want: list[dict], got: list) -> None:
    """Add one sentence's sentence-level, claim-level and field counts to s."""
    if want and got:
        s.sentence_tp += 1
    elif got:
        s.sentence_fp += 1
    elif want:
        s.sentence_fn += 1
    remaining = [tuple(w[k] for k in CORE) for w in want]
    got_keys = [tuple(getattr(c, k) for k in CORE) for c in got]
    matched = 0
    for key in got_keys:
        if key in remaining:
            remaining.remove(key)
            matched += 1
    s.claim_tp += matched
    s.claim_fp += len(got) - matched
    s.claim_fn += len(want) - matched
    for w, c in pair_claims(want, got):
        for f in FIELDS:
            s.field_total[f] += 1
            s.field_right[f] += int(field_matches(f, w, c))
    if matched != len(want) or matched != len(got):
        s.errors.append({"article": article.name, "start": span[0], "end": span[1],
                         "sentence": article.text[span[0]:span[1]], "kind": error_kind(want, got),
                         "want": [tuple(w[k] for k in CORE) for w in want], "got": got_keys})


def pair_claims(want: list[dict], got: list) -> list[tuple[dict, object]]:
    """Greedy pairs of labelled and found claims, best agreement on the core fields first."""
    pairs, free = [], list(got)
    for w in sorted(want, key=lambda w: -max((_agreement(w, c) for c in free), default=0)):
        if not free:
            break
        best = max(free, key=lambda c: _agreement(w, c))
        pairs.append((w, best))
        free.remove(best)
    return pairs


def _agreement(w: dict, c) -> int:
    """How many core fields a found claim shares with a labelled one."""
    return sum(w[k] == getattr(c, k) for k in CORE)


def field_matches(name: str, want: dict, got) -> bool:
    """Whether one field of a found claim agrees with the label."""
    have = getattr(got, name)
    expected = want.get(name)
    if name == "quantity":
        if expected is None or have is None:
            return expected is have
        return all(expected.get(k) == have.get(k) for k in ("min", "max", "unit"))
    if name == "claimant":
        if expected is None or have is None:
            return expected is have
        return expected.lower() in have.lower() or have.lower() in expected.lower()
    return expected == have


def error_kind(want: list[dict], got: list) -> str:
    """Name the kind of a disagreement, for the grouped error report."""
    if not want:
        return "false alarm"
    if not got:
        return "missed sentence"
    pairs = pair_claims(want, got)
    wrong = [k for k in CORE if any(w[k] != getattr(c, k) for w, c in pairs)]
    if wrong:
        return "wrong " + "+".join(wrong)
    return "missed claim" if len(got) < len(want) else "extra claim"


def score_set(articles: Iterable[Article], detect: Callable[[str], list]) -> Score:
    """Run a detector over labelled articles and add up the score.

    Args:
        articles: labelled articles.
        detect: text -> claims with offsets into the text.
    """
    total = Score()
    for article in articles:
        total.add(score_article(article, detect(article.text)))
    return total


def iter_news_bodies(data_dir: Path | None = None):
    """Yield (name, body) for every article body of ordinary news in ../shared/data (news-pages, article-extraction).

    Args:
        data_dir: the shared data folder (default ../shared/data).
    """
    data = data_dir or shared_data_dir()
    for path in sorted((data / "news-pages").glob("*/*.json")):
        pages = json.loads(path.read_text(encoding="utf-8"))
        for key, page in sorted(pages.items()):
            body = page.get("body") or {}
            paras = list(body.get("summary") or [])
            for section in body.get("sections") or []:
                paras += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
            yield f"{path.parent.name}/{path.stem}/{key}", "\n".join(paras)
    truth = data / "article-extraction" / "ground-truth.json"
    if truth.exists():
        for key, page in sorted(json.loads(truth.read_text(encoding="utf-8")).items()):
            yield f"article-extraction/{key[:12]}", page.get("articleBody") or ""
