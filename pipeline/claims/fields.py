"""A claim's other fields: who claims it (from the tree), how much (from the wording)."""

from __future__ import annotations

import re

from pipeline.claims.frames import FrameLexicon, is_passive, lemma_of, subject_of
from pipeline.quantities import find_quantity

# The source a speaker relays ("citing information provided by X", "relaying a briefing by X") is the claimant:
# the spec's example credits the spy agency, not the lawmaker who passed its figure on.
_SOURCE_RE = re.compile(
    r"\b(?:[Aa]ccording to|[Cc]iting|[Rr]elaying|[Cc]ited by|[Qq]uoted by|as reported by)\s+"
    r"(?:(?:an?|the)\s+)?(?:(?:information|a briefing|briefings?|data|intelligence|reports?|findings|assessments?|estimates?)"
    r"\s+(?:\w+\s+)?(?:provided\s+|given\s+|shared\s+|released\s+)?(?:by|from)\s+)?"
    r"(?P<who>[^,;.\"”]{2,90})")
_TRAILING_SPEAKER_RE = re.compile(
    r"[,”\"]\s+(?P<who>(?:[A-Za-z][\w.'’-]*\s+){0,8}?[A-Za-z][\w.'’-]*)\s+"
    r"(?:said|says|say|told|reported|claimed|added|stated|confirmed|noted|wrote|warned|announced)"
    r"(?:(?:\s+[\w.'’-]+){0,4}\s*[.\"”]*\s*$|\s*,)")
# "..., says the German defence minister Christine Lambrecht."
_INVERTED_SPEAKER_RE = re.compile(r",\s+(?:said|says)\s+(?P<who>(?:[\w.'’-]+\s+){0,8}?[\w.'’-]*[\w'’-])\s*[.\"”]*\s*$")
_LEADING_SPEAKER_RE = re.compile(
    r"^(?P<who>(?:[A-Z][\w.'’-]*\s+){1,5})(?:said|says|told|added|stated|noted)\b")
_QUOTE_MARKS = {'"', "“", "”", "«", "»"}
# pronouns, and the words that open a clause rather than a name (", as confirmed by Fox News")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "who", "which", "that", "as", "and", "but", "while", "when", "if", "so"}
_NOT_NAMES = _PRONOUNS | {"in", "on", "at", "for", "with", "by", "of", "from", "to", "this", "there", "you"}
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
    # A closing "..., Karako said." speaks the whole sentence, whoever else announces something inside it.
    who = _trailing_speaker(doc.text, final=True)
    if who:
        return who, "claimant:trailing-speaker"
    verb = _speech_verb(trigger, doc, lex)
    if verb is not None:
        subject = _claimant_token(verb)
        if subject is not None and not _quote_between(subject, verb):
            text = _phrase(subject)
            if text.lower() in _PRONOUNS:
                return speaker, "claimant:pronoun->previous" if speaker else "claimant:pronoun"
            return text, f"claimant:subject-of:{lemma_of(verb)}"
    # "..., officials say, but ..." the parser did not attach as the verb's subject.
    who = _trailing_speaker(doc.text, final=False)
    if who:
        return who, "claimant:trailing-speaker"
    if speaker and doc.text.lstrip()[:1] in _QUOTE_MARKS:
        return speaker, "claimant:quote->previous"  # a quotation running on from the sentence before
    return None, "claimant:outlet"


def next_speaker(sentence, claims: list, speaker: str | None, lex: FrameLexicon) -> str | None:
    """Who 'he said' in the next sentence stands for: this sentence's claimant, else a speaker it names, else the last one.

    Args:
        sentence: the sentence (article.Sentence; its tree if it was parsed).
        claims: the claims found in it.
        speaker: the speaker carried so far.
        lex: the frame lexicon (speech verbs).
    """
    named = next((c.claimant for c in claims if c.claimant), None)
    if named is None:
        named = _trailing_speaker(sentence.text, final=False) or _named_subject(sentence.doc, lex)
    if named is None:
        m = _LEADING_SPEAKER_RE.search(sentence.text)
        named = _name_or_none(m.group("who")) if m else None
    return named or speaker


def _name_or_none(who: str) -> str | None:
    """A speaker's words trimmed, or None when they open with a pronoun or a preposition ("He", "in Berlin")."""
    who = _trim(who)
    return who if who and who.split()[0].lower() not in _NOT_NAMES else None


def _named_subject(doc, lex: FrameLexicon) -> str | None:
    """The subject of a sentence's main speech verb when it is a name, not a pronoun ("Lambrecht said on Monday ...")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None) if doc is not None else None
    if root is None or "speech" not in lex.governors.get(lemma_of(root), ()):
        return None
    subject = _claimant_token(root)
    return _name_or_none(_phrase(subject)) if subject is not None else None


def _trailing_speaker(sentence: str, final: bool) -> str | None:
    """The speaker of a trailing attribution (", the minister said." or, unless final, ", officials say,")."""
    m = _TRAILING_SPEAKER_RE.search(sentence) or _INVERTED_SPEAKER_RE.search(sentence)
    if m is None or (final and m.group(0).endswith(",")):
        return None
    return _name_or_none(m.group("who"))


def _claimant_token(verb):
    """Who does the saying: the active subject (shared with a conjoined verb), or the agent of a passive one."""
    if is_passive(verb):
        # "companies were accused of helping Russia": the accused are not the accuser
        return next((c for c in verb.children if c.dep_.startswith("obl")
                     and any(k.dep_ == "case" and k.lower_ == "by" for k in c.children)), None)
    subject = subject_of(verb)
    if subject is None and verb.dep_ == "conj":
        subject = subject_of(verb.head)  # "Qatar has ... denied arming the rebels"
    return subject


def _quote_between(subject, verb) -> bool:
    """Whether a quotation mark separates a subject from its verb (the parser took a word of the quote)."""
    lo, hi = sorted((subject.i, verb.i))
    return any(t.text in _QUOTE_MARKS for t in subject.doc[lo:hi])


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
        raised = cur.dep_ == "xcomp"
        cur = cur.head
        classes = lex.governors.get(lemma_of(cur), ())
        if raised and "hedge" in classes and not {"speech", "deny"} & set(classes):
            continue  # "North Korea appeared to have received": the subject is the receiver, not a claimant
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
    # "with the United States subsequently claiming": the preposition is not part of the name
    skip |= {c.i for c in token.children if c.dep_ in ("case", "mark") and c.i < token.i}
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
