"""Text in, claims out: read the article, parse what may hold a claim, score candidates, fill the fields."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pipeline.claims.article import Context, Sentence, article_contexts, read_article
from pipeline.claims.candidates import Candidate, find_candidates
from pipeline.claims.claim import Claim
from pipeline.claims.features import candidate_features, mention_tokens
from pipeline.claims.fields import find_claim_quantity, find_claimant, next_speaker, speaker_subject
from pipeline.claims.frames import FrameLexicon, load_frames
from pipeline.claims.grammar import BATCH_SIZE, UNUSED_COMPONENTS, parse_form, restore_text
from pipeline.claims.lexicon import Lexicon, load_lexicon
from pipeline.claims.model import Decisions, load_decisions
from pipeline.claims.roles import PartyCandidate, party_candidates, role_features, traded_back

DETECT_BATCH = 32  # articles the detect step parses together (each is still stored in a transaction of its own)


@dataclass(frozen=True)
class Resources:
    """What detection needs loaded: lexicons, the parser and the decision models."""

    lex: Lexicon
    frames: FrameLexicon
    nlp: object
    decisions: Decisions | None
    encoder: object = None  # the sentence encoder (None: sentences are not embedded)


@dataclass
class Example:
    """A candidate with its features and the parties that may fill its sides, with theirs."""

    sentence: Sentence
    candidate: Candidate
    features: dict
    parties: list[tuple[PartyCandidate, dict]]


@lru_cache(maxsize=1)
def load_resources() -> Resources:
    """The bundled lexicons, the trained parser and the committed decision models (once per process)."""
    from pipeline.claims.encoder import encoder_digest, load_encoder
    from pipeline.claims.grammar import load_parser

    decisions = load_decisions()
    check_encoder(decisions, encoder_digest())
    return Resources(load_lexicon(), load_frames(), load_parser(), decisions, load_encoder())


def check_encoder(decisions: Decisions, digest: str) -> None:
    """Refuse decisions trained on another sentence encoder: its log-odds would be read on the wrong scale, silently.

    Args:
        decisions: the loaded decision models (meta["encoder"]: the digest they were trained with).
        digest: the digest of the encoder at hand.
    """
    trained = decisions.meta.get("encoder")
    if decisions.sentence is not None and trained != digest:
        raise RuntimeError(f"models/claims/decisions.json was trained with sentence encoder {trained}, not the one in "
                           f"models/encoder ({digest}): retrain with `make train-claims`")


def analyse_article(text: str, res: Resources) -> list[tuple[Sentence, Context, list[Example]]]:
    """Every sentence of an article with its context and its candidate claims (features computed).

    Args:
        text: article text.
        res: loaded resources (the decision models are not used here).
    """
    return analyse_articles([text], res)[0]


def analyse_articles(texts: list[str], res: Resources) -> list[list[tuple[Sentence, Context, list[Example]]]]:
    """analyse_article() for several articles, parsing all their sentences in one batch (faster).

    Args:
        texts: article texts.
        res: loaded resources.
    """
    read = [read_article(t, res.lex, res.frames) for t in texts]
    worth = [s for sentences in read for s in sentences if s.worth_parsing]
    forms = [parse_form(s.text, [(p.start, p.end) for p in s.parties]) for s in worth]
    docs = res.nlp.pipe([f or s.text for s, f in zip(worth, forms)], batch_size=BATCH_SIZE,
                        disable=list(UNUSED_COMPONENTS))
    for s, form, doc in zip(worth, forms, docs):
        s.doc = restore_text(doc, s.text) if form else doc
    out = []
    for text, sentences in zip(texts, read):
        contexts = article_contexts(text, sentences)
        out.append([(s, ctx, sentence_examples(s, ctx, res.frames) if s.doc is not None else [])
                    for s, ctx in zip(sentences, contexts)])
    embed_sentences([s for analysed in out for s, _, examples in analysed if examples], res.encoder)
    return out


def embed_sentences(sentences: list[Sentence], encoder) -> None:
    """Give each sentence its embedding (`vector`); only sentences with a candidate need one.

    Args:
        sentences: sentences to embed.
        encoder: the sentence encoder, or None (the sentences keep no vector).
    """
    if encoder is None or not sentences:
        return
    for s, vector in zip(sentences, encoder.encode([s.text for s in sentences])):
        s.vector = vector


def sentence_examples(sentence: Sentence, ctx: Context, frames: FrameLexicon) -> list[Example]:
    """The candidates of one parsed sentence with their features and their possible sides.

    Args:
        sentence: a parsed sentence.
        ctx: its context.
        frames: the frame lexicon.
    """
    marks = mention_tokens(sentence)
    offered = [(p.code, p.text, "previous") for p in ctx.previous] + [(p.code, p.text, "headline") for p in ctx.headline]
    examples = []
    for cand in find_candidates(sentence, frames):
        sides = party_candidates(sentence, sentence.doc, offered)
        speaker = speaker_subject(cand.trigger, sentence.doc, frames)
        examples.append(Example(sentence, cand, candidate_features(cand, sentence, marks, frames, ctx),
                                [(p, role_features(p, cand.trigger, cand.head, frames, speaker)) for p in sides]))
    return examples


def detect_claims(text: str, res: Resources | None = None) -> list[Claim]:
    """Find transfer claims in plain article text.

    Args:
        text: article text, paragraphs separated by newlines.
        res: loaded resources (default: the bundled ones).
    """
    return detect_many([text], res)[0]


def detect_many(texts: list[str], res: Resources | None = None) -> list[list[Claim]]:
    """Claims of several articles at once (their sentences are parsed in one batch).

    Args:
        texts: article texts.
        res: loaded resources (default: the bundled ones).
    """
    res = res or load_resources()
    return [article_claims(text, analysed, res) for text, analysed in zip(texts, analyse_articles(texts, res))]


def article_claims(text: str, analysed: list, res: Resources) -> list[Claim]:
    """The claims of one analysed article, with sentence offsets into its text.

    Args:
        text: the article text.
        analysed: its sentences with contexts and candidates, from analyse_articles().
        res: loaded resources with the decision models.
    """
    claims: list[Claim] = []
    speaker = None
    for sentence, ctx, examples in analysed:
        found = sentence_claims(sentence, examples, res, speaker)
        speaker = next_speaker(sentence, found, speaker, res.frames)
        for c in found:
            c.start, c.end = sentence.start, sentence.end
            c.sentence = text[sentence.start:sentence.end]
        claims.extend(found)
    return claims


def sentence_claims(sentence: Sentence, examples: list[Example], res: Resources, speaker: str | None) -> list[Claim]:
    """The claims of one sentence: candidates the model accepts, their sides and fields, one per key.

    Args:
        sentence: the sentence.
        examples: its candidates with features.
        res: loaded resources with the decision models.
        speaker: the claimant of the previous claim, for 'he said'.
    """
    d = res.decisions
    out: dict[tuple, Claim] = {}
    for ex, p in best_per_anchor(examples, d):
        if p < d.claim.threshold:
            continue
        sides = choose_sides(ex.parties, d)
        if ex.candidate.head is not None and traded_back(ex.candidate.head):
            sides = [(recipient, supplier) for supplier, recipient in sides]
        for supplier, recipient in sides:
            key = (supplier, recipient, ex.candidate.category)
            if key in out or (supplier is None and recipient is None):
                continue
            out[key] = build_claim(sentence, ex, supplier, recipient, p, res, speaker)
    return list(out.values())


def best_per_anchor(examples: list[Example], d: Decisions) -> list[tuple[Example, float]]:
    """Each anchor once: its nearest trigger if the model accepts that pair, else its likeliest other trigger.

    An item is scored with each of its nearest triggers; the sides are read relative to the trigger kept, and the
    nearest one places them best ("sent Russia shells for its war in Ukraine": Russia, not Ukraine, receives).

    Args:
        examples: a sentence's candidates with features, each anchor's triggers nearest first.
        d: the decision models.
    """
    best: dict[tuple[int, int], tuple[Example, float]] = {}
    for ex in examples:
        p = d.claim_probability(ex.features, ex.sentence.vector)
        span = (ex.candidate.start, ex.candidate.end)
        kept = best.get(span)
        if kept is None or (kept[1] < d.claim.threshold and p > kept[1]):
            best[span] = (ex, p)
    return list(best.values())


def choose_sides(parties: list[tuple[PartyCandidate, dict]], d: Decisions) -> list[tuple[str | None, str | None]]:
    """The most likely supplier and recipient (or none) of a candidate, chosen together, as (supplier, recipient) pairs.

    Each side's evidence is its log-odds above that side's threshold, plus how many labelled articles ran that way
    between the two parties rather than back ("Ukraine" and "the US" in "the US aid package Ukraine received"); the pair
    with the most evidence wins, so a party the tree marks as a clear recipient is not made the supplier because no
    other party looked like one. A party conjoined in the tree with a chosen side ("Germany and France will send",
    "aid for Ukraine and Israel") shares that side when the model gives it that role too.

    Args:
        parties: the candidate's possible sides with their role features.
        d: the decision models.
    """
    sup: dict = {None: (0.0, None)}
    rec: dict = {None: (0.0, None)}
    for pc, f in parties:
        for side, model in ((sup, d.supplier), (rec, d.recipient)):
            score = _logit(model.probability(f)) - _logit(model.threshold)
            if score > side.get(pc.code, (-1e9, None))[0]:
                side[pc.code] = (score, pc.head)
    # coordinated parties share a role: "aid for Ukraine and Israel" does not run from Israel to Ukraine
    pairs = [(s, r) for s in sup for r in rec if s is None or (s != r and not _are_conjuncts(sup[s][1], rec[r][1]))]
    best_s, best_r = max(pairs, key=lambda pair: sup[pair[0]][0] + rec[pair[1]][0] + d.direction_evidence(*pair))
    out = [(best_s, best_r)]
    out += [(code, best_r) for code in _conjoined(sup, best_s, best_r)]
    out += [(best_s, code) for code in _conjoined(rec, best_r, best_s)]
    return out


def _conjoined(side: dict, chosen: str | None, other: str | None) -> list[str]:
    """Codes whose best mention for this side is above its threshold and conjoined with the chosen party's mention."""
    head = side[chosen][1] if chosen is not None else None
    if head is None:
        return []
    return [code for code, (score, tok) in side.items()
            if code not in (None, chosen, other) and score > 0 and _are_conjuncts(head, tok)]


def _are_conjuncts(a, b) -> bool:
    """Whether two tokens are coordinated ('the US and Britain'): one the other's conj, or both conj of one head."""
    if a is None or b is None:
        return False
    return (b.dep_ == "conj" and b.head.i == a.i) or (a.dep_ == "conj" and a.head.i == b.i) or \
        (a.dep_ == "conj" and b.dep_ == "conj" and a.head.i == b.head.i)


def _logit(p: float) -> float:
    """Log-odds of a probability, kept finite."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def build_claim(sentence: Sentence, ex: Example, supplier: str | None, recipient: str | None, p: float,
                res: Resources, speaker: str | None) -> Claim:
    """Fill a claim's fields for an accepted candidate."""
    cand = ex.candidate
    claimant, claimant_cue = find_claimant(cand.trigger, sentence.doc, res.frames, speaker)
    status = res.decisions.status.predict(ex.features)
    stance = res.decisions.stance.predict(ex.features)
    quantity = find_claim_quantity(sentence.text, cand.start, cand.end)
    trigger = cand.trigger.text if cand.trigger is not None else "-"
    cues = [f"trigger:{trigger}", f"item:{cand.text}->{cand.category}", f"path:{cand.path}", f"p:{p:.2f}", claimant_cue]
    return Claim(supplier, recipient, cand.category, cand.text, quantity, status, stance, claimant, sentence.text,
                 sentence.start, sentence.end, cues)
