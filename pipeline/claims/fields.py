"""A claim's other fields: who claims it (from the tree), how much (from the wording)."""

from __future__ import annotations

import re

from pipeline.claims.frames import FrameLexicon, lemma_of, subject_of
from pipeline.quantities import find_quantity

# The source a speaker relays ("citing information provided by X", "relaying a briefing by X") is the claimant:
# the spec's example credits the spy agency, not the lawmaker who passed its figure on.
_SOURCE_RE = re.compile(
    r"\b(?:[Aa]ccording to|[Cc]iting|[Rr]elaying|[Cc]ited by|[Qq]uoted by|as reported by)\s+"
    r"(?:(?:an?|the)\s+)?(?:(?:information|a briefing|briefings?|data|intelligence|reports?|findings|assessments?|estimates?)"
    r"\s+(?:\w+\s+)?(?:provided\s+|given\s+|shared\s+|released\s+)?(?:by|from)\s+)?"
    r"(?P<who>[^,;.\"”]{2,90})")
_TRAILING_SPEAKER_RE = re.compile(
    r",\s+(?P<who>(?:[A-Za-z][\w.'’-]*\s+){0,8}?[A-Za-z][\w.'’-]*)\s+(?:said|says|told|reported|claimed|added|stated)"
    r"(?:\s+(?:on\s+)?\w+)?\s*[.\"”]*\s*$")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "who", "which", "that"}
_LEADING_WORDS_RE = re.compile(r"^(?:also|but|and|however|meanwhile|then)\s+", re.I)
_MAX_CLAIMANT_WORDS = 12


def find_claimant(trigger, doc, lex: FrameLexicon, speaker: str | None) -> tuple[str | None, str]:
    """Who makes the claim: the subject of a speech or belief verb above the trigger, or 'according to X'.

    Args:
        trigger: the trigger token (or None).
        doc: the parsed sentence.
        lex: the frame lexicon (speech and hedge verbs).
        speaker: the claimant of the sentence before, for 'he said' and quotes without a name.
    """
    m = _SOURCE_RE.search(doc.text)
    if m:
        return _trim(m.group("who")), "claimant:cited-source"
    verb = _speech_verb(trigger, doc, lex)
    if verb is not None:
        subject = subject_of(verb)
        if subject is not None:
            text = _phrase(subject)
            if text.lower() in _PRONOUNS:
                return speaker, "claimant:pronoun->previous" if speaker else "claimant:pronoun"
            return text, f"claimant:subject-of:{lemma_of(verb)}"
    # A trailing "..., South Korea's spy agency said." the parser did not attach as the verb's subject.
    m = _TRAILING_SPEAKER_RE.search(doc.text)
    if m and m.group("who").split()[0].lower() not in _PRONOUNS:
        return _trim(m.group("who")), "claimant:trailing-speaker"
    return None, "claimant:outlet"


def speaker_subject(trigger, doc, lex: FrameLexicon):
    """The subject of the speech verb that governs the trigger ("South Korea's spy agency" in "..., it said"), or None.

    Args:
        trigger: the trigger token (or None).
        doc: the parsed sentence.
        lex: the frame lexicon.
    """
    verb = _speech_verb(trigger, doc, lex, ("speech",))
    return subject_of(verb) if verb is not None else None


def _speech_verb(trigger, doc, lex: FrameLexicon, kinds: tuple[str, ...] = ("speech", "hedge", "deny")):
    """The speech or belief verb governing the trigger, or heading the sentence ('..., officials said')."""
    cur = trigger
    for _ in range(6):
        if cur is None or cur.head.i == cur.i:
            break
        cur = cur.head
        classes = lex.governors.get(lemma_of(cur), ())
        if any(kind in classes for kind in kinds):
            return cur
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if trigger is not None and root.i != trigger.i and "speech" in lex.governors.get(lemma_of(root), ()):
        return root
    # "X sent Y, a lawmaker said": the parser hangs the speech verb below the transfer as parataxis.
    return next((c for c in root.children if c.dep_ in ("parataxis", "ccomp", "advcl")
                 and "speech" in lex.governors.get(lemma_of(c), ())
                 and subject_of(c) is not None), None)


def _phrase(token) -> str:
    """The words of a token's subtree, without relative clauses or appositions, trimmed to a claimant's length."""
    skip = {t.i for c in token.children if c.dep_ in ("acl:relcl", "appos", "acl", "punct") for t in c.subtree}
    words = [t for t in token.subtree if t.i not in skip]
    text = token.doc[words[0].i:words[-1].i + 1].text if words else token.text
    return _trim(text)


def _trim(text: str) -> str:
    """A claimant without quotes, leading conjunctions or a tail longer than a name."""
    text = _LEADING_WORDS_RE.sub("", text.strip(" ,\"“”'"))
    text = re.split(r"\s+(?:on|last|this|earlier|late)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year)\b", text)[0]
    return " ".join(text.split()[:_MAX_CLAIMANT_WORDS])


def find_claim_quantity(sentence: str, item_start: int, item_end: int) -> dict | None:
    """The quantity tied to the item (or a money amount nearby), as {'min', 'max', 'unit'}.

    Args:
        sentence: the sentence text.
        item_start: start of the item phrase in the sentence (-1 when none).
        item_end: end of the item phrase.
    """
    q = find_quantity(sentence, item_start, item_end, [])
    if q is None:
        return None
    near = item_start >= 0 and q["text"] in sentence[max(0, item_start - 40):item_end]
    if not near and q["unit"] not in ("usd", "eur", "gbp", "aud", "cad"):
        return None  # a figure elsewhere in the sentence counts something else
    return {"min": q["min"], "max": q["max"], "unit": q["unit"]}
