"""Features for the learned decisions: does a sentence state a transfer, who supplies, who receives, what."""

from __future__ import annotations

import re

from pipeline.claims.frames import (FrameLexicon, clause_modifiers, frame_of, governors, is_passive, lemma_of,
                                     modifier_kinds)
from pipeline.claims.grammar import upos

_MONEY_RE = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s*(?:million|billion|bn|m)\b|\b(?:dollars|euros|pounds)\b", re.I)
_QUOTE_RE = re.compile(r"[\"“”]")


def mention_tokens(sentence) -> dict[int, tuple[str, object]]:
    """Token index -> ("party"|"item"|"pronoun", mention) for every token a mention covers."""
    out: dict[int, tuple[str, object]] = {}
    doc = sentence.doc
    for kind, mentions in (("item", sentence.items), ("party", sentence.parties)):
        for m in mentions:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            label = m.kind if kind == "party" and m.kind in ("pronoun", "demonym") else kind
            for tok in span:
                out[tok.i] = (label, m)
    return out


def subtree_kinds(token, marks: dict[int, tuple[str, object]]) -> set[str]:
    """Kinds of mention inside a token's subtree ('party', 'item', 'money'...)."""
    kinds = set()
    for t in token.subtree:
        if t.i in marks:
            kinds.add(marks[t.i][0])
        elif t.like_num or t.text in "$€£":
            kinds.add("number")
    return kinds or {"other"}


def argument_features(trigger, marks: dict, lex: FrameLexicon) -> dict[str, float]:
    """What fills the trigger's slots: subject, object, indirect object, prepositional phrases, possessor."""
    f: dict[str, float] = {}
    frame = frame_of(trigger, lex)
    for child in trigger.children:
        dep = child.dep_
        if dep in ("punct", "det", "cc", "case", "aux", "aux:pass", "cop", "mark"):
            continue
        case = next((c.lower_ for c in child.children if c.dep_ == "case"), None)
        slot = f"{dep}:{case}" if case else dep
        for kind in subtree_kinds(child, marks) if dep not in ("conj", "ccomp", "advcl", "parataxis") else ("clause",):
            f[f"arg:{slot}={kind}"] = 1.0
            f[f"arg:{frame}:{slot}={kind}"] = 1.0
    return f


def clause_words(trigger) -> set[str]:
    """Content lemmas of the trigger's own clause (not of clauses embedded in it)."""
    clause = trigger
    while clause.dep_ not in ("ROOT", "ccomp", "advcl", "acl:relcl", "parataxis", "xcomp", "conj") and clause.head.i != clause.i:
        clause = clause.head
    words = set()
    stack = [clause]
    while stack:
        tok = stack.pop()
        if upos(tok) in ("NOUN", "VERB", "ADJ", "ADV") and not tok.is_stop:
            words.add(lemma_of(tok))
        stack += [c for c in tok.children if c.dep_ not in ("ccomp", "advcl", "acl:relcl", "parataxis")]
    return words


def trigger_features(trigger, marks: dict, lex: FrameLexicon) -> dict[str, float]:
    """Features of one trigger: its frame, form, place in the tree, governors, modality and arguments."""
    frame = frame_of(trigger, lex)
    lemma = lemma_of(trigger)
    f = {f"trig:{frame}": 1.0, f"trig_lemma:{lemma}": 1.0, f"trig_dep:{trigger.dep_}": 1.0,
         f"trig_tag:{frame}:{trigger.tag_}": 1.0}
    if is_passive(trigger):
        f[f"trig_passive:{frame}"] = 1.0
    if trigger.i in marks:
        f[f"trig_in_mention:{marks[trigger.i][0]}"] = 1.0
    chain = []
    for g_lemma, classes, depth, dep in governors(trigger, lex):
        chain.append(dep)
        f[f"gov_lemma:{g_lemma}"] = 1.0
        for cls in classes:
            f[f"gov:{cls}"] = 1.0
            f[f"gov:{cls}:{min(depth, 2)}"] = 1.0
    f[f"chain:{'/'.join(chain[:2]) or 'root'}"] = 1.0
    for word in clause_words(trigger):
        f[f"cw:{word}"] = 1.0
    mods = clause_modifiers(trigger, lex)
    for kind, lemma_m in mods:
        f[f"mod:{kind}"] = 1.0
        f[f"mod:{kind}:{lemma_m}"] = 1.0
        for cls in lex.governors.get(lemma_m, ()):
            f[f"mod_class:{cls}"] = 1.0
    if any(kind == "neg" for kind, _ in mods):
        f[f"mod:neg+{negation_time(trigger, mods)}"] = 1.0
    f.update(argument_features(trigger, marks, lex))
    return f


def negation_time(trigger, mods: list[tuple[str, str]]) -> str:
    """'modal', 'past' or 'present' for a negated trigger: "will not send" refuses, "did not send" denies."""
    if any(kind == "modal" for kind, _ in mods):
        return "modal"
    tags = {trigger.tag_} | {c.tag_ for c in trigger.children if c.dep_ in ("aux", "aux:pass")}
    return "past" if tags & {"VBD", "VBN"} else "present"


def candidate_features(cand, sentence, marks: dict, lex: FrameLexicon, context) -> dict[str, float]:
    """Features of one candidate claim: the item, its trigger, the path between them, modality and context.

    Args:
        cand: the candidate (an item or a transfer noun with its linked trigger).
        sentence: the parsed sentence holding it.
        marks: token index -> mention kind, from mention_tokens().
        lex: the frame lexicon.
        context: what the sentence inherits from the article (article.Context).
    """
    f: dict[str, float] = {"bias": 1.0, f"cat:{cand.category}": 1.0, f"src:{cand.source}": 1.0,
                           f"path:{cand.path}": 1.0, f"anchor_dep:{cand.head.dep_}": 1.0,
                           f"anchor_head:{lemma_of(cand.head.head)}": 1.0}
    f[f"item_lemma:{lemma_of(cand.head)}"] = 1.0
    for c in cand.head.children:
        if c.dep_ in ("amod", "compound", "nmod", "nummod") and upos(c) in ("ADJ", "NOUN", "VERB"):
            f[f"item_mod:{lemma_of(c)}"] = 1.0  # "humanitarian aid", "nonlethal assistance", "military advisers"
    kinds = modifier_kinds(cand.head, lex)
    if kinds:
        f[f"item_kind:{'+'.join(sorted(kinds))}"] = 1.0
    m = cand.mention
    if m is not None:
        f[f"prio:{m.priority}"] = 1.0
        if m.weak:
            f["weak"] = 1.0
        if m.origin:
            f["origin"] = 1.0
    for g_lemma, classes, depth, dep in governors(cand.head, lex):
        for cls in classes:
            f[f"a_gov:{cls}"] = 1.0
    if cand.trigger is None:
        f["no_trigger"] = 1.0
    else:
        for key, value in trigger_features(cand.trigger, marks, lex).items():
            f[f"t:{key}"] = value
        frame = frame_of(cand.trigger, lex)
        f[f"frame_path:{frame}:{cand.path}"] = 1.0
        f[f"frame_cat:{frame}:{cand.category}"] = 1.0
    codes = {p.code for p in sentence.sides()}
    f[f"n_codes:{min(len(codes), 3)}"] = 1.0
    if _MONEY_RE.search(sentence.text):
        f["money"] = 1.0
        for kind in kinds:
            f[f"money:{kind}"] = 1.0  # "$205 million in humanitarian aid" is money for something else
    if _QUOTE_RE.search(sentence.text):
        f["quote"] = 1.0
    f.update(context_features(context))
    return f


def context_features(context) -> dict[str, float]:
    """What the article says around the sentence: how military it is, whether sides were just named."""
    f = {f"ctx:military:{min(int(context.military_share * 10), 4)}": 1.0}
    if context.previous:
        f["ctx:previous_sides"] = 1.0
    if context.headline:
        f["ctx:headline_sides"] = 1.0
    return f
