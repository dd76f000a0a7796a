"""Transfer frames read off the dependency tree: triggers, their arguments and what governs them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.claims.grammar import TAG_TO_POS, lemmatize, upos
from pipeline.claims.lexicon import alternation

LEXICON = Path(__file__).resolve().parents[1] / "lexicons" / "frames.json"
# how far up the tree a governor may sit and still scope over the trigger
GOVERNOR_DEPTH = 4


@dataclass(frozen=True)
class FrameLexicon:
    """Lemma -> frame of the triggers, lemma -> classes of the governors."""

    triggers: dict[str, str]
    governors: dict[str, frozenset[str]]
    negations: frozenset[str]
    trigger_re: re.Pattern  # any inflected form of a trigger: the cheap prefilter before parsing
    modifiers: dict[str, str] = field(default_factory=dict)  # lemma -> kind of aid it marks ("humanitarian" -> civil)


@lru_cache(maxsize=4)
def load_frames(path: str | None = None) -> FrameLexicon:
    """Read the frame lexicon (cached per process).

    Args:
        path: a frames.json file (default: the bundled lexicon).
    """
    data = json.loads(Path(path or LEXICON).read_text(encoding="utf-8"))
    triggers: dict[str, str] = {}
    for frame, lemmas in data["triggers"].items():
        for lemma in lemmas:
            triggers.setdefault(lemma, frame)
    governors: dict[str, set[str]] = {}
    for cls, lemmas in data["governors"].items():
        for lemma in lemmas:
            governors.setdefault(lemma, set()).add(cls)
    forms = {form for lemma in triggers for form in inflections(lemma, data["irregular"].get(lemma, []))}
    forms |= set(data["prefilter_extra"])
    trigger_re = re.compile(rf"(?<![\w-])(?:{alternation(re.escape(f) for f in forms)})(?![\w-])", re.IGNORECASE)
    modifiers = {lemma: kind for kind, lemmas in data.get("modifiers", {}).items() for lemma in lemmas}
    return FrameLexicon(triggers, {k: frozenset(v) for k, v in governors.items()}, frozenset(data["negations"]), trigger_re,
                        modifiers)


def inflections(lemma: str, irregular: list[str]) -> set[str]:
    """The forms a lemma takes in text: plural / third person, past, participles ('supply' -> 'supplies', 'supplied').

    Args:
        lemma: a verb or noun lemma.
        irregular: its irregular forms ('sent').
    """
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    forms = {lemma, lemma + "s", lemma + "es", stem + "ed", stem + "ing", lemma + "d", *irregular}
    if re.search(r"[^aeiou]y$", lemma):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][bdgmnprt]$", lemma):
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}  # "ship" -> "shipped"
    return forms


def lemma_of(token) -> str:
    """The token's lemma, lowercased, from the model's lemma tables and the token's tag (cached per form)."""
    return _lemma(token.text, token.tag_)


@lru_cache(maxsize=200_000)
def _lemma(text: str, tag: str) -> str:
    """Lemma of a form with a Penn tag."""
    return lemmatize(text, TAG_TO_POS.get(tag, "X"))


def frame_of(token, lex: FrameLexicon) -> str:
    """The trigger's frame; a verb lemma used as a noun ('the supply of') is nominal."""
    frame = lex.triggers.get(lemma_of(token), "none")
    if frame in ("give", "receive", "commit", "support") and upos(token) in ("NOUN", "PROPN"):
        return "nominal"
    return frame


def governors(token, lex: FrameLexicon):
    """Yield (lemma, classes, depth, dep) for the words above a token, up to GOVERNOR_DEPTH steps.

    Args:
        token: a trigger token.
        lex: the frame lexicon.
    """
    cur = token
    for depth in range(1, GOVERNOR_DEPTH + 1):
        head = cur.head
        if head.i == cur.i:
            return
        lemma = lemma_of(head)
        yield lemma, lex.governors.get(lemma, frozenset()), depth, cur.dep_
        cur = head


def clause_modifiers(token, lex: FrameLexicon) -> list[tuple[str, str]]:
    """Negation, modals, markers and adverbs on the trigger and the verbs above it, up to a clause edge.

    Args:
        token: a trigger token.
        lex: the frame lexicon.
    """
    found = []
    cur, steps = token, 0
    while steps < GOVERNOR_DEPTH:
        for child in cur.children:
            lemma = lemma_of(child)
            if lemma in lex.negations and child.dep_ in ("advmod", "det", "neg", "cc:preconj"):
                found.append(("neg", lemma))
            elif child.dep_ in ("aux", "aux:pass") and child.tag_ == "MD":
                found.append(("modal", lemma))
            elif child.dep_ == "mark":
                found.append(("mark", lemma))
            elif child.dep_ == "advmod" and lemma in lex.governors:
                found.append(("adv", lemma))
        if cur.dep_ in ("ccomp", "ROOT", "root", "parataxis", "conj") or cur.head.i == cur.i:
            break  # a reported clause ("said that ...") or a coordinated one keeps its own modality
        cur, steps = cur.head, steps + 1
    return found


def subject_of(token):
    """A word's subject (nsubj or nsubj:pass), if it has one."""
    return next((c for c in token.children if c.dep_ in ("nsubj", "nsubj:pass")), None)


def is_passive(token) -> bool:
    """Whether a verb trigger is passive ('were delivered')."""
    return any(c.dep_ in ("aux:pass", "nsubj:pass") for c in token.children)


def modifier_kinds(head, lex: FrameLexicon) -> set[str]:
    """Kinds of aid the words modifying an item say it is ("military and humanitarian aid" -> civil, military)."""
    kinds = set()
    for c in head.children:
        if c.dep_ in ("amod", "compound", "nmod"):
            for word in (c, *(x for x in c.children if x.dep_ == "conj")):
                kind = lex.modifiers.get(lemma_of(word))
                if kind:
                    kinds.add(kind)
    return kinds
