"""Candidate claims: each thing that may be moved (an item, or a transfer noun standing for one) and its trigger."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.claims.frames import FrameLexicon, frame_of, lemma_of, modifier_kinds
from pipeline.claims.grammar import upos

# verbs whose object is implied military goods ("to arm the rebels", "aiding the separatists")
IMPLIED_GOODS = {"arm", "rearm", "re-arm", "aid", "help", "support", "back", "assist", "equip", "bolster", "resupply",
                 "re-supply", "reinforce", "prop"}
CLIMB = 4
# an item is scored with each of its two nearest triggers: the nearest is often a weak one ("package", "support")
# under the verb that states the transfer ("will send ... the package of equipment"); 2 beat 1 and 3 by CV
TRIGGERS_PER_ITEM = 2
_MEANS = {"obl:by", "nmod:by", "obl:via", "obl:aboard"}  # how goods travel, not what travels


@dataclass
class Candidate:
    """Something that may be transferred, with the trigger that may move it."""

    start: int
    end: int
    text: str
    category: str
    source: str  # "item" (lexicon), "nominal" (a transfer noun), "verb" (arm, aid ...)
    head: object  # the anchor's head token
    trigger: object | None  # the trigger token linked to it, if any
    path: str  # dependency path from the anchor up to the trigger
    mention: object | None = None


def find_candidates(sentence, lex: FrameLexicon) -> list[Candidate]:
    """Items of the sentence, plus transfer nouns and 'arm'-like verbs that stand for goods.

    Args:
        sentence: a parsed sentence with its item mentions.
        lex: the frame lexicon.
    """
    doc = sentence.doc
    out: list[Candidate] = []
    covered: set[int] = set()
    for m in sentence.items:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        covered.update(t.i for t in span)
        if (m.code or "unspecified") == "unspecified" and modifier_kinds(span.root, lex) == {"civil"}:
            continue  # "humanitarian aid", "economic assistance": the spec leaves aid with no military element out
        links = link_triggers(span.root, lex)[:TRIGGERS_PER_ITEM]
        if any(path in _MEANS for _, path in links):
            continue  # "delivered drones by ship": the ship carries the goods (even as a "ship" trigger of its own)
        for trigger, path in links:
            out.append(Candidate(m.start, m.end, m.text, m.code or "unspecified", "item", span.root, trigger, path, m))
    for tok in doc:
        if tok.i in covered:
            continue
        frame = frame_of(tok, lex) if lemma_of(tok) in lex.triggers else None
        if frame == "nominal" and upos(tok) in ("NOUN", "PROPN"):
            for trigger, path in link_triggers(tok, lex, skip_self=True)[:TRIGGERS_PER_ITEM]:
                out.append(_token_candidate(tok, "nominal", trigger or tok, path if trigger else "self"))
        elif lemma_of(tok) in IMPLIED_GOODS and upos(tok) == "VERB":
            out.append(_token_candidate(tok, "verb", tok, "self"))
    return out


def _token_candidate(tok, source: str, trigger, path: str) -> Candidate:
    """A candidate anchored on one token, with category unspecified."""
    return Candidate(tok.idx, tok.idx + len(tok.text), tok.text, "unspecified", source, tok, trigger, path)


def link_triggers(token, lex: FrameLexicon, skip_self: bool = False) -> list[tuple[object | None, str]]:
    """Triggers within reach of a token in the tree, nearest first, with their paths; [(None, "none")] if none.

    Args:
        token: the anchor's head token.
        lex: the frame lexicon.
        skip_self: do not accept the token itself as its trigger.
    """
    found = []
    doc = token.doc
    for i in _trigger_ids(doc, lex):
        if skip_self and i == token.i:
            continue
        path = tree_path(token, doc[i])
        if path is None:
            continue
        cost = path.count("^") + 1.5 * path.count("v") + (0 if path != "self" else -1)
        found.append((cost, i, doc[i], path))
    return [(t, path) for _, _, t, path in sorted(found, key=lambda x: x[:2])] or [(None, "none")]


def _trigger_ids(doc, lex: FrameLexicon) -> list[int]:
    """Indices of the sentence's trigger tokens (computed once per parse)."""
    ids = doc.user_data.get("tw_triggers")
    if ids is None:
        ids = doc.user_data["tw_triggers"] = [t.i for t in doc if lemma_of(t) in lex.triggers
                                              and upos(t) not in ("ADP", "DET", "PRON", "AUX")]
    return ids

_POSSESSIVE = ("'s", "’s", "'")


def tree_path(a, b, limit: int = CLIMB) -> str | None:
    """Labels from a up to the lowest common head, then down to b ('obj', 'nsubj:pass^vxcomp'); None if long.

    Args:
        a: the first token.
        b: the second token.
        limit: the longest path kept, in edges.
    """
    if a.i == b.i:
        return "self"
    labels, chains = _tree(a.doc)
    up_a, up_b = chains[a.i], chains[b.i]
    for i, node in enumerate(up_a[:limit + 1]):
        if node in up_b:
            j = up_b.index(node)
            if i + j > limit:
                return None
            downs = [labels[x] for x in reversed(up_b[:j])]
            return "^".join(labels[x] for x in up_a[:i]) + ("^v" + "v".join(downs) if downs else "")
    return None


def _tree(doc) -> tuple[list[str], list[list[int]]]:
    """Each token's label and its chain of heads up to the root, computed once per parse."""
    tree = doc.user_data.get("tw_tree")
    if tree is None:
        tokens = list(doc)
        heads = [t.head.i for t in tokens]
        deps = [t.dep_ for t in tokens]
        case: dict[int, str] = {}
        for t, dep, head in zip(tokens, deps, heads):
            if dep == "case" and head not in case and t.lower_ not in _POSSESSIVE:
                case[head] = t.lower_
        labels = [f"{dep}:{case[i]}" if i in case else dep for i, dep in enumerate(deps)]
        chains: list[list[int]] = []
        for i in range(len(tokens)):
            chain = [i]
            while heads[chain[-1]] != chain[-1] and len(chain) <= len(tokens):
                chain.append(heads[chain[-1]])
            chains.append(chain)
        tree = doc.user_data["tw_tree"] = (labels, chains)
    return tree
