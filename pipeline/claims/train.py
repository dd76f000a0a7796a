"""Train the detector's decisions on labelled articles (seeded); thresholds come from cross-validation.

Run: python -m pipeline.claims.train   (make train-claims) -> models/claims/decisions.json
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.claims.detect import Resources, analyse_article, article_claims
from pipeline.claims.frames import load_frames
from pipeline.claims.evaluate import (REAL_SETS, Article, Score, load_added_labels, load_real_set,
                                      load_synthetic_articles, load_training_articles, overlapping_span, score_article, shared_data_dir)
from pipeline.claims.model import MODEL_FILE, SENTENCE_FEATURE, Decisions, LinearModel, SentenceModel

ROOT = Path(__file__).resolve().parents[2]
TESTS_DATA = ROOT / "tests" / "data"
SEED = 13
# roles at 0.25 (was 0.5): claim F1 by CV +0.01 on both real sets, sides chosen better; 0.15 gained no more
C_CLAIM, C_ROLE, C_FIELD = 0.3, 0.25, 0.5
C_SENTENCE = 1.0  # the sentence model over embeddings (CV sentence F1 war/arms 0.707/0.593; C 0.3: 0.697/0.588, 3: 0.694/0.589)
SENTENCE_FOLDS = 5  # the claim model learns from out-of-fold sentence log-odds, as it meets them on unseen text
FOLDS = 5
CLAIM_THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
ROLE_THRESHOLDS = (0.05, 0.1, 0.15, 0.25, 0.35, 0.45)
# Above 2 the prior outvotes a clear reading of the tree: at 3 the seed's "Pyongyang appearing to receive advice"
# went from Russia to Ukraine (Russia -> Ukraine is common in the 2014 labels); the inner CV picked 3 by a hair.
DIRECTION_WEIGHTS = (0.0, 1.0, 2.0)


@dataclass
class Analysed:
    """A labelled article read and parsed once: its sentences, contexts and candidates with features."""

    article: Article
    sentences: list  # (Sentence, Context, [Example])
    gold: list[list[dict]]  # labelled claims of each sentence


def load_training_sets(data_dir: Path | None = None) -> dict[str, list[Article]]:
    """Every labelled set: the two real ones, the war-news articles labelled here, and the synthetic articles.

    Args:
        data_dir: the shared data folder (default ../shared/data).
    """
    sets = {name: load_real_set(name, data_dir) for name in REAL_SETS}
    sets["war-news-added"] = load_added_labels(TESTS_DATA / "war_news_extra_labels.jsonl", data_dir)
    sets["synthetic"] = load_synthetic_articles(TESTS_DATA) + load_training_articles(TESTS_DATA)
    return sets


def analyse_sets(sets: dict[str, list[Article]], res: Resources) -> dict[str, list[Analysed]]:
    """Read and parse every labelled article once.

    Args:
        sets: labelled articles by set name.
        res: loaded lexicons and parser.
    """
    out = {}
    for name, articles in sets.items():
        out[name] = [analyse_labelled(a, res) for a in articles]
    return out


def analyse_labelled(article: Article, res: Resources) -> Analysed:
    """One labelled article with each sentence's labelled claims attached."""
    sentences = analyse_article(article.text, res)
    spans: dict[tuple[int, int], list[dict]] = {}
    for c in article.claims:
        spans.setdefault((c["start"], c["end"]), []).append(c)
    keys = sorted(spans)
    gold = []
    for s, _, _ in sentences:
        span = overlapping_span(keys, s.start, s.end)
        gold.append(spans[span] if span else [])
    return Analysed(article, sentences, gold)


def training_rows(analysed: list[Analysed], sentence_logits: dict[int, float] | None = None
                  ) -> dict[str, tuple[list[dict], list]]:
    """Feature dicts and labels for each decision, from labelled articles.

    Args:
        analysed: labelled articles, read and parsed.
        sentence_logits: out-of-fold sentence log-odds by id(sentence), added to the claim rows.
    """
    sentence_logits = sentence_logits or {}
    rows: dict[str, tuple[list, list]] = {k: ([], []) for k in ("claim", "supplier", "recipient", "status", "stance")}
    for a in analysed:
        for (sentence, _, examples), gold in zip(a.sentences, a.gold):
            by_category: dict[str, list[dict]] = {}
            for c in gold:
                by_category.setdefault(c["category"], []).append(c)
            anchors: set[tuple[int, int]] = set()
            logit = sentence_logits.get(id(sentence))
            for ex in examples:
                claims = by_category.get(ex.candidate.category, []) or _same_item(ex.candidate, gold)
                features = ex.features if logit is None else {**ex.features, SENTENCE_FEATURE: logit}
                _add(rows, "claim", features, int(bool(claims)))
                span = (ex.candidate.start, ex.candidate.end)
                if not claims or span in anchors:
                    continue  # sides and fields are learned from an anchor's nearest trigger only
                anchors.add(span)
                _add(rows, "status", ex.features, "committed" if claims[0]["status"] == "committed" else "delivered")
                _add(rows, "stance", ex.features, claims[0]["stance"])
                suppliers = {c["supplier"] for c in claims}
                recipients = {c["recipient"] for c in claims}
                for party, features in ex.parties:
                    _add(rows, "supplier", features, int(party.code in suppliers))
                    _add(rows, "recipient", features, int(party.code in recipients))
    return rows


def _same_item(candidate, gold: list[dict]) -> list[dict]:
    """Labelled claims whose item words overlap the candidate's (the lexicon may file it under another category)."""
    words = set(candidate.text.lower().split())
    return [c for c in gold if c.get("item") and words & set(c["item"].lower().split()) - {"the", "a", "of", "and"}]


def _add(rows: dict, task: str, features: dict, label) -> None:
    """Append one example to a task's rows."""
    rows[task][0].append(features)
    rows[task][1].append(label)


def fit_linear(features: list[dict], labels: list, c: float) -> LinearModel:
    """Fit a logistic regression (binary or multinomial) and return it as a LinearModel.

    Args:
        features: feature dicts.
        labels: 0/1 or class names.
        c: inverse regularisation strength.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform(features)
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit(x, labels)
    names = vec.get_feature_names_out()
    classes = [str(k) for k in model.classes_]
    coef = model.coef_
    weights = {name: [float(coef[i][j]) for i in range(coef.shape[0])] for j, name in enumerate(names)
               if any(abs(coef[i][j]) > 1e-6 for i in range(coef.shape[0]))}
    return LinearModel(classes, weights, [float(b) for b in model.intercept_])


def fit_decisions(train: list[Analysed], thresholds: dict[str, float] | None = None) -> Decisions:
    """Train every decision on labelled articles; thresholds from an inner cross-validation unless given.

    Args:
        train: labelled articles, read and parsed.
        thresholds: claim/supplier/recipient thresholds to use instead of cross-validating them.
    """
    rows = training_rows(train, out_of_fold_logits(train))
    d = Decisions(claim=fit_linear(*rows["claim"], C_CLAIM), supplier=fit_linear(*rows["supplier"], C_ROLE),
                  recipient=fit_linear(*rows["recipient"], C_ROLE), status=fit_linear(*rows["status"], C_FIELD),
                  stance=fit_linear(*rows["stance"], C_FIELD), sentence=fit_sentence_model(train))
    d.directions = count_directions(train)
    d.set_thresholds(thresholds or choose_thresholds(train))
    return d


def sentence_rows(analysed: list[Analysed]) -> tuple[list, list[int], list[int]]:
    """Embedded sentences of labelled articles: (vectors, labels, ids of the sentences)."""
    vectors, labels, ids = [], [], []
    for a in analysed:
        for (sentence, _, _), gold in zip(a.sentences, a.gold):
            if sentence.vector is not None:
                vectors.append(sentence.vector)
                labels.append(int(bool(gold)))
                ids.append(id(sentence))
    return vectors, labels, ids


def fit_sentence_model(train: list[Analysed]) -> SentenceModel | None:
    """Logistic regression from a sentence's embedding to "holds a claim" (None: nothing embedded, or one class).

    Args:
        train: labelled articles, read, parsed and embedded.
    """
    from sklearn.linear_model import LogisticRegression

    vectors, labels, _ = sentence_rows(train)
    if len(set(labels)) < 2:
        return None
    model = LogisticRegression(C=C_SENTENCE, max_iter=5000, random_state=SEED).fit(vectors, labels)
    return SentenceModel([float(w) for w in model.coef_[0]], float(model.intercept_[0]))


def out_of_fold_logits(train: list[Analysed], folds: int = SENTENCE_FOLDS) -> dict[int, float]:
    """Each embedded sentence's log-odds from a sentence model that never saw its article, by id(sentence).

    Stacking: the claim model must learn how far to trust the sentence model on text it has not seen; in-sample
    log-odds would be overconfident.

    Args:
        train: labelled articles, read, parsed and embedded.
        folds: article folds.
    """
    parts = split_folds(train, folds)
    logits: dict[int, float] = {}
    for i, part in enumerate(parts):
        model = fit_sentence_model([a for j, p in enumerate(parts) if j != i for a in p])
        if model is None:
            continue
        vectors, _, ids = sentence_rows(part)
        logits.update({key: model.logit(v) for key, v in zip(ids, vectors)})
    return logits


def count_directions(train: list[Analysed]) -> dict[str, int]:
    """How many labelled articles hold a claim from each supplier to each recipient ("USA>UKR": 160).

    An article counts once per direction: its claims are one source's reading, not independent evidence.

    Args:
        train: labelled articles, read and parsed.
    """
    counts: dict[str, int] = {}
    for a in train:
        for key in {f"{c['supplier']}>{c['recipient']}" for c in a.article.claims if c["supplier"] and c["recipient"]}:
            counts[key] = counts.get(key, 0) + 1
    return counts


def choose_thresholds(train: list[Analysed], folds: int = 3) -> dict[str, float]:
    """Thresholds that maximise claim F1 on out-of-fold predictions over the training articles.

    Args:
        train: labelled articles, read and parsed.
        folds: inner folds.
    """
    parts = split_folds(train, folds)
    models = [fit_decisions([a for j, p in enumerate(parts) if j != i for a in p], {"claim": .5, "supplier": .5, "recipient": .5})
              for i in range(folds)]
    def quality(chosen: dict[str, float]) -> float:
        total = Score()
        for model, part in zip(models, parts):
            model.set_thresholds(chosen)
            for a in part:
                total.add(score_analysed(a, model))
        return total.claim_prf()[2] + total.sentence_prf()[2]

    # Coordinate search (the claim threshold, the role threshold, the direction weight): 18 scorings, not the grid's 192.
    best = {"claim": .5, "supplier": .25, "recipient": .25, "direction": 0.0}
    best["claim"] = max(CLAIM_THRESHOLDS, key=lambda t: quality({**best, "claim": t}))
    role = max(ROLE_THRESHOLDS, key=lambda t: quality({**best, "supplier": t, "recipient": t}))
    best = {**best, "supplier": role, "recipient": role}
    best["direction"] = max(DIRECTION_WEIGHTS, key=lambda w: quality({**best, "direction": w}))
    return best


def split_folds(items: list, folds: int) -> list[list]:
    """Articles dealt into folds after a seeded shuffle."""
    order = list(items)
    random.Random(SEED).shuffle(order)
    return [order[i::folds] for i in range(folds)]


def score_analysed(a: Analysed, d: Decisions) -> Score:
    """Score the claims a set of decisions finds in one analysed article against its labels."""
    res = Resources(None, load_frames(), None, d)
    return score_article(a.article, article_claims(a.article.text, a.sentences, res))


def main(argv: list[str] | None = None) -> int:
    """Train on every labelled set and write models/claims/decisions.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not (shared_data_dir() / "war-news").is_dir():
        print("../shared/data is missing: the labelled sets are needed to train", file=sys.stderr)
        return 2
    from pipeline.claims.encoder import encoder_digest, load_encoder
    from pipeline.claims.grammar import load_parser
    from pipeline.claims.lexicon import load_lexicon

    res = Resources(load_lexicon(), load_frames(), load_parser(), None, load_encoder(threads=2))
    analysed = analyse_sets(load_training_sets(), res)
    pool = [a for name in analysed for a in analysed[name]]
    d = fit_decisions(pool)
    d.meta = {"seed": SEED, "sets": {k: len(v) for k, v in analysed.items()}, "thresholds": d.thresholds(),
              "encoder": encoder_digest()}
    d.save(args.output)
    print(f"wrote {args.output} ({len(d.claim.weights)} claim features; thresholds {d.meta['thresholds']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
