"""Tests for the sentence encoder (pipeline.claims.encoder) and how its embeddings enter the claim decision."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.claims.article import Sentence
from pipeline.claims.detect import check_encoder
from pipeline.claims.encoder import encoder_digest, load_encoder
from pipeline.claims.evaluate import Article
from pipeline.claims.model import SENTENCE_LOGIT_BOUND, Decisions, LinearModel, SentenceModel, load_decisions
from pipeline.claims.train import Analysed, out_of_fold_logits


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


def test_embeddings_are_unit_length_and_put_like_sentences_together(encoder):
    texts = ["North Korea has sent Russia over a million artillery shells.",
             "Pyongyang shipped millions of shells to Moscow for its war.",
             "Heavy snow closed schools across Moscow on Monday."]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, encoder.width())
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batches_give_the_embedding_a_sentence_gets_alone(encoder):
    texts = ["Germany will send Leopard tanks to Ukraine.", "A short one.", "x " * 400]  # the last is cut at 128 pieces
    together = encoder.encode(texts)
    for text, row in zip(texts, together):
        assert np.allclose(encoder.encode([text])[0], row, atol=1e-3)
    assert encoder.encode([]).shape == (0, encoder.width())


def test_a_missing_encoder_says_how_to_rebuild_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make export-encoder"):
        load_encoder(str(tmp_path))


def test_the_sentence_model_is_one_bounded_claim_feature():
    flat = LinearModel(["0", "1"], {"sentence_model": [1.0]}, [0.0])
    d = Decisions(flat, flat, flat, flat, flat, sentence=SentenceModel([2.0, 0.0], 0.5))
    assert d.claim_probability({}, None) == 0.5  # a sentence not embedded is scored on its other features
    assert d.claim_probability({}, np.array([1.0, 0.0], dtype=np.float32)) == pytest.approx(1 / (1 + np.exp(-2.5)))
    assert d.claim_probability({}, np.array([-1.0, 0.0], dtype=np.float32)) < 0.5
    huge = SentenceModel([1000.0, 0.0], 0.0)
    assert huge.logit(np.array([1.0, 0.0], dtype=np.float32)) == SENTENCE_LOGIT_BOUND


def test_the_committed_decisions_read_the_sentence_model_and_weigh_it(tmp_path):
    d = load_decisions()
    assert d.sentence is not None and len(d.sentence.coef) == load_encoder().width()
    assert d.claim.weights["sentence_model"][0] > 0  # a sentence about supply makes a claim likelier
    d.save(tmp_path / "decisions.json")
    again = load_decisions(str(tmp_path / "decisions.json"))
    assert again.sentence.coef == pytest.approx(d.sentence.coef, abs=1e-6)


def _article(name: str, labels: list[bool], rng) -> Analysed:
    """A labelled article of embedded sentences (random vectors; claim sentences lean one way)."""
    sentences, gold = [], []
    for i, label in enumerate(labels):
        s = Sentence(i, i * 10, i * 10 + 9, "sentence")
        s.vector = (rng.normal(size=8) + (1.5 if label else -1.5)).astype(np.float32)
        sentences.append((s, None, []))
        gold.append([{"supplier": "USA"}] if label else [])
    return Analysed(Article(name, "", []), sentences, gold)


def test_stacked_sentence_logits_never_come_from_a_model_that_saw_the_article():
    rng = np.random.default_rng(0)
    articles = [_article(f"a{i}", [j % 3 == 0 for j in range(12)], rng) for i in range(10)]
    logits = out_of_fold_logits(articles)
    assert len(logits) == 120
    claims = [logits[id(s)] for a in articles for (s, _, _), g in zip(a.sentences, a.gold) if g]
    others = [logits[id(s)] for a in articles for (s, _, _), g in zip(a.sentences, a.gold) if not g]
    assert min(claims) > max(others)  # learned from the other articles, and still right
    # Flipping one article's labels changes no log-odds of its own sentences: its fold never trained on them.
    target = articles[3]
    before = [logits[id(s)] for s, _, _ in target.sentences]
    target.gold = [[] if g else [{"supplier": "USA"}] for g in target.gold]
    after = out_of_fold_logits(articles)
    assert [after[id(s)] for s, _, _ in target.sentences] == pytest.approx(before)


def test_decisions_trained_on_another_encoder_are_refused():
    d = load_decisions()
    assert d.meta["encoder"] == encoder_digest()  # the committed decisions were trained on the committed encoder
    check_encoder(d, encoder_digest())
    with pytest.raises(RuntimeError, match="make train-claims"):
        check_encoder(d, "0" * 16)
    flat = LinearModel(["0", "1"], {}, [0.0])
    check_encoder(Decisions(flat, flat, flat, flat, flat), "0" * 16)  # no sentence model: nothing to mismatch
