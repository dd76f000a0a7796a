"""The CI gate on real reporting (pipeline.claims.report): cross-validated figures on both real labelled sets
must not fall more than 0.02 below what the committed detector reached; the prefilter and the false-alarm rate
hold their targets."""

from __future__ import annotations

import pytest

from pipeline.claims.article import read_article
from pipeline.claims.detect import detect_many, load_resources
from pipeline.claims.evaluate import REAL_SETS, iter_news_bodies, load_real_set, shared_data_dir
from pipeline.claims.report import evaluate_real_sets, format_evaluation
from pipeline.claims.train import analyse_sets, load_training_sets
from pipeline.sentences import split_sentences

# Reached with `python -m pipeline claims eval --quick` (5-fold article-level CV, committed thresholds in every
# fold) when the detector was last trained; the gate is each figure minus 0.02. Raise them when it improves.
REACHED = {
    "war-news": {"sentence_p": 0.775, "sentence_r": 0.637, "claim_f1": 0.491,
                 "supplier_acc": 0.89, "recipient_acc": 0.87, "category_acc": 0.87, "claimant_acc": 0.64},
    "arms-news": {"sentence_p": 0.585, "sentence_r": 0.589, "claim_f1": 0.385,
                  "supplier_acc": 0.81, "recipient_acc": 0.83, "category_acc": 0.91, "claimant_acc": 0.71},
}
MARGIN = 0.02

needs_shared = pytest.mark.skipif(not (shared_data_dir() / "war-news").is_dir(),
                                  reason="../shared/data is absent: the real labelled sets live there (CI has them)")


@pytest.fixture(scope="module")
def resources():
    return load_resources()


@pytest.fixture(scope="module")
def evaluations(resources):
    analysed = analyse_sets(load_training_sets(), resources)
    return {ev.name: ev for ev in evaluate_real_sets(analysed, resources.decisions, resources.decisions.thresholds())}


@needs_shared
@pytest.mark.parametrize("name", REAL_SETS)
def test_cross_validated_figures_hold_on_real_reporting(evaluations, name):
    ev = evaluations[name]
    got = ev.cross_validated.figures()
    report = format_evaluation(ev)
    for figure, reached in REACHED[name].items():
        assert got[figure] >= reached - MARGIN, f"{name} {figure} {got[figure]:.3f} < {reached} - {MARGIN}\n{report}"
    # Trained on the other set alone, the model must still find claims there: a collapse means overfitting.
    assert ev.cross_set.figures()["sentence_f1"] > 0.25, report


@needs_shared
def test_committed_model_was_trained_on_the_real_sets(evaluations):
    # The committed model has seen both sets: it must beat its own cross-validated figures, else it is stale.
    for name, ev in evaluations.items():
        assert ev.committed.figures()["sentence_f1"] >= ev.cross_validated.figures()["sentence_f1"], name


@needs_shared
@pytest.mark.parametrize("name", REAL_SETS)
def test_prefilter_keeps_the_labelled_claim_sentences(resources, name):
    kept = gold = 0
    for article in load_real_set(name):
        sentences = read_article(article.text, resources.lex, resources.frames)
        for c in article.claims:
            gold += 1
            kept += any(s.worth_parsing and min(c["end"], s.end) > max(c["start"], s.start) for s in sentences)
    assert gold > 100 and kept / gold >= 0.99, f"{name}: prefilter keeps {kept}/{gold}"


@needs_shared
def test_ordinary_news_raises_under_one_false_alarm_per_thousand_sentences(resources):
    names, bodies = zip(*iter_news_bodies())
    sentences = sum(len(split_sentences(b)) for b in bodies)
    found = [(n, c.sentence) for n, claims in zip(names, detect_many(list(bodies), resources)) for c in claims]
    assert sentences > 3000
    assert 1000 * len(found) / sentences < 1.0, found
