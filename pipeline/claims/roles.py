"""Who supplies and who receives: each party mention's place relative to the trigger, as features."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.claims.candidates import tree_path
from pipeline.claims.frames import FrameLexicon, frame_of, is_passive, lemma_of, subject_of

SUPPLIER, RECIPIENT = "supplier", "recipient"
# "shells in exchange for technology", "in return for food and oil": what is given back runs the other way
_EXCHANGE_NOUNS = frozenset({"exchange", "return"})


@dataclass
class PartyCandidate:
    """A party that may fill a side of a claim: named in the sentence, or carried over from context."""

    code: str
    text: str
    source: str  # "sentence", "previous", "headline", "speaker"
    head: object | None  # head token in the sentence, when named there
    kind: str = "party"  # party, demonym, pronoun-resolved


def party_candidates(sentence, doc, context_parties: list[tuple[str, str, str]]) -> list[PartyCandidate]:
    """Parties named in the sentence (one per mention), what its pronouns may stand for, and the context's parties.

    Args:
        sentence: the parsed sentence with its party mentions.
        doc: its parse.
        context_parties: (code, text, source) from the previous sentence and the headline.
    """
    out = []
    nearby = [p.code for p in sentence.parties if p.code and p.kind != "pronoun"] + \
        [code for code, _, source in context_parties if source == "previous"]
    for m in sentence.parties:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if m.kind == "pronoun":
            # "it", "they", "the rebels": one candidate per side named nearby (or the subject that binds a possessive
            # "its"); the tree and the model pick
            codes = [bound] if (bound := binding_subject(span.root, sentence)) else dict.fromkeys(nearby)
            out += [PartyCandidate(code, m.text, "pronoun", span.root, "pronoun") for code in codes]
        elif m.code:
            out.append(PartyCandidate(m.code, m.text, "sentence", span.root, m.kind))
    named = {c.code for c in out}
    for code, text, source in context_parties:
        if code not in named:
            out.append(PartyCandidate(code, text, source, None, "context"))
            named.add(code)
    return out


def _names_own_subject(trigger) -> bool:
    """Whether the trigger (or the verb its noun hangs from) has a subject of its own that names someone, not 'it'."""
    for verb in (trigger, trigger.head):
        subject = subject_of(verb)
        if subject is not None:
            return subject.tag_ not in ("PRP", "WP", "WDT", "EX")
    return False


def binding_subject(pronoun, sentence) -> str | None:
    """The party a possessive pronoun stands for when its clause's subject is one ("North Korea ... for its attempts").

    Args:
        pronoun: the pronoun's token.
        sentence: the parsed sentence with its party mentions.
    """
    if pronoun.dep_ != "nmod:poss":
        return None
    cur = pronoun
    for _ in range(6):
        if cur.head.i == cur.i:
            return None
        cur = cur.head
        subject = subject_of(cur)
        if subject is not None:
            at = subject.idx - subject.doc[0].idx
            return next((m.code for m in sentence.parties
                         if m.code and m.kind != "pronoun" and m.start <= at < m.end), None)
    return None


def role_features(party: PartyCandidate, trigger, item_head, lex: FrameLexicon, speaker=None) -> dict[str, float]:
    """Features of one party for one candidate claim: its path to the trigger and to the item, and if it speaks.

    Args:
        party: the party candidate.
        trigger: the candidate's trigger token (or None).
        item_head: the candidate item's head token.
        lex: the frame lexicon.
        speaker: the subject of the speech verb governing the trigger, if any.
    """
    f = {"bias": 1.0, f"src:{party.source}": 1.0, f"kind:{party.kind}": 1.0}
    frame = frame_of(trigger, lex) if trigger is not None else "none"
    passive = trigger is not None and is_passive(trigger)
    voice = "pass" if passive else "act"
    f[f"frame:{frame}"] = 1.0
    if party.head is None:
        f[f"ctx:{frame}"] = 1.0
        return f
    to_trigger = tree_path(party.head, trigger, limit=5) if trigger is not None else None
    to_item = tree_path(party.head, item_head, limit=3)
    f[f"pt:{to_trigger}"] = 1.0
    f[f"pt:{frame}:{voice}:{to_trigger}"] = 1.0
    f[f"pi:{to_item}"] = 1.0
    f[f"pi:{frame}:{to_item}"] = 1.0
    prior = role_prior(to_trigger, frame, passive)
    if to_item in ("amod", "compound", "nmod:poss", "nmod:from") and party.kind in ("demonym", "party", "people"):
        prior = prior or SUPPLIER  # "Iranian drones", "Russia's S-400s": the origin supplies
    f[f"prior:{prior}"] = 1.0
    f[f"prior:{prior}:{frame}"] = 1.0
    slot = _slot(to_trigger)
    f[f"edges:{_edges(to_trigger)}"] = 1.0
    f[f"slot:{slot}"] = 1.0
    f[f"slot:{frame}:{voice}:{slot}"] = 1.0
    if trigger is not None:
        f[f"lemma_slot:{lemma_of(trigger)}:{voice}:{slot}"] = 1.0
        f["before" if party.head.i < trigger.i else "after"] = 1.0
    if speaker is not None and speaker.left_edge.i <= party.head.i <= speaker.right_edge.i:
        # "Germany said it would send" (the speaker supplies) vs "South Korea's spy agency said" (it only reports)
        f[f"speaker:{'self' if party.head.i == speaker.i else party.head.dep_}"] = 1.0
        if trigger is not None and _names_own_subject(trigger):
            f["speaker:other_subject"] = 1.0  # "Washington said Iran had supplied drones": Iran supplies, not Washington
    case = next((c.lower_ for c in party.head.children if c.dep_ == "case"), None)
    if case:
        f[f"case:{case}"] = 1.0
        f[f"case:{frame}:{case}"] = 1.0
    return f


_GIVER_SLOTS = {"nsubj", "obl:from", "nmod:poss", "nmod:from", "compound", "amod", "nmod:by"}
_TAKER_SLOTS = {"obl:to", "iobj", "obl:for", "obl:into", "nmod:to", "nmod:for", "obl:toward", "obl:towards", "nmod:into",
                "obl:in", "nmod:in"}
# receive: the subject takes and 'from' gives; give: the subject gives and 'to' takes; passive: 'by' gives
_FRAME_ROLES = {
    "give": {"nsubj": SUPPLIER, "obj": RECIPIENT, "nsubj:pass": RECIPIENT},
    "support": {"nsubj": SUPPLIER, "obj": RECIPIENT, "nsubj:pass": RECIPIENT},
    "commit": {"nsubj": SUPPLIER},
    "receive": {"nsubj": RECIPIENT, "nsubj:pass": SUPPLIER},
    "motion": {"nsubj": None},
    "nominal": {"nmod:poss": SUPPLIER, "compound": SUPPLIER, "amod": SUPPLIER},
    "presence": {"nsubj": None},
}


def role_prior(path: str | None, frame: str, passive: bool) -> str | None:
    """The side a party usually takes from where it sits relative to the trigger (a feature, the model weighs it).

    Args:
        path: the party's tree path to the trigger (its own relation first; 'nsubj^vxcomp' for a controlling subject).
        frame: the trigger's frame.
        passive: whether the trigger is passive.
    """
    if path is None:
        return None
    slot = path.split("^")[0]
    controlled = path.endswith("vxcomp") and path.count("^") == 1  # "Germany agreed to send": the subject gives
    if path in ("nmod:poss^vacl", "nmod:poss^vacl:relcl") and frame in ("give", "support", "commit"):
        return SUPPLIER  # "Germany's decision to send tanks"
    if slot.startswith("obl:agent") or (passive and slot == "obl:by"):
        return SUPPLIER
    if slot in _FRAME_ROLES.get(frame, {}) and (path == slot or controlled):
        return _FRAME_ROLES[frame][slot]
    if path == slot and slot in _TAKER_SLOTS:
        return RECIPIENT if slot not in ("obl:in", "nmod:in") or frame in ("motion", "presence") else None
    if path == slot and slot in _GIVER_SLOTS - {"nsubj"}:
        return SUPPLIER
    return None


def _slot(path: str | None) -> str:
    """The first edge of a path: the party's own relation ('nsubj', 'obl:to', 'amod'...), marked when the path is long.

    A possessor three edges away ("South Korea's spy agency said") is not the possessor of the trigger.
    """
    if path is None:
        return "far"
    return (path.split("^")[0] or "down") + ("+far" if _edges(path) > 2 else "")


def _edges(path: str | None) -> int:
    """About how many edges a tree path has (a run of downward edges counts once); 9 when there is no short path."""
    return 9 if path is None else path.count("^") + 1


def traded_back(anchor) -> bool:
    """Whether an anchor is what is given back for the transfer: the X of 'in exchange for X' / 'in return for X'."""
    tok = anchor
    while tok.dep_ == "conj" and tok.head.i != tok.i:  # "in return for food, oil and help"
        tok = tok.head
    parent = tok.head
    return parent.i != tok.i and lemma_of(parent) in _EXCHANGE_NOUNS \
        and any(c.dep_ == "case" and c.lower_ == "for" for c in tok.children) \
        and any(c.dep_ == "case" and c.lower_ == "in" for c in parent.children)
