"""An article read sentence by sentence: mentions, which sentences are worth parsing, and the context each inherits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.claims.frames import FrameLexicon
from pipeline.claims.items import find_items
from pipeline.claims.lexicon import Lexicon
from pipeline.claims.parties import find_parties, mask_dateline
from pipeline.sentences import split_sentences

SIDE_KINDS = ("party", "people", "group")
# navigation lines ("Read also: ...") are not article text
_RELATED_RE = re.compile(r"^\s*(?:Related(?: article| articles| story| stories| content| coverage| reading| news)?|"
                         r"Read (?:more|also)|See also|More on this|Also read|Recommended|WATCH|Watch|LISTEN|Listen|"
                         r"Sign up|Subscribe)\s*[:|>-]")


@dataclass
class Sentence:
    """One sentence of an article, what the lexicons found in it and, once parsed, its tree."""

    index: int
    start: int
    end: int
    text: str
    parties: list = field(default_factory=list)
    items: list = field(default_factory=list)
    worth_parsing: bool = False
    doc: object = None
    vector: object = None  # its embedding, when it has a candidate (detect.embed_sentences)

    def sides(self) -> list:
        """Party mentions that can be a side of a claim (not bare demonyms or unresolved pronouns)."""
        return [p for p in self.parties if p.kind in SIDE_KINDS and p.code]


@dataclass
class Context:
    """What a sentence inherits from the article: the sentence before, the headline, the last speaker."""

    previous: list = field(default_factory=list)  # side mentions of the sentence before
    headline: list = field(default_factory=list)  # side mentions of the headline
    military_share: float = 0.0  # share of the article's sentences naming an item


def read_article(text: str, lex: Lexicon, frames: FrameLexicon) -> list[Sentence]:
    """Split an article into sentences with their party and item mentions, and mark those worth parsing.

    Args:
        text: article text, paragraphs separated by newlines (title on the first line if any).
        lex: the compiled lexicons.
        frames: the frame lexicon (its trigger forms make the prefilter).
    """
    out = []
    for i, (start, end) in enumerate(split_sentences(text)):
        sentence = mask_dateline(text[start:end])
        if _RELATED_RE.match(sentence):
            continue
        items = find_items(sentence, lex, []) if lex.item_re.search(sentence) else []
        worth = bool(items or frames.trigger_re.search(sentence) or lex.people_re.search(sentence))
        out.append(Sentence(i, start, end, sentence, [], items, worth))
    for k, s in enumerate(out):
        # parties are read where they can matter: sentences worth parsing, the one before each, the headline
        if k == 0 or s.worth_parsing or (k + 1 < len(out) and out[k + 1].worth_parsing):
            s.parties = find_parties(s.text, lex)
            if s.worth_parsing and any(p.kind == "demonym" for p in s.parties):
                s.items = find_items(s.text, lex, [p for p in s.parties if p.kind == "demonym"])
    return out


def article_contexts(text: str, sentences: list[Sentence]) -> list[Context]:
    """The context of every sentence, in order.

    Args:
        text: the article text (to tell whether the first sentence is a headline on its own line).
        sentences: the article's sentences from read_article().
    """
    if not sentences:
        return []
    first = sentences[0]
    headline = first.sides() if text[first.end:first.end + 1] in ("\n", "") else []
    share = sum(1 for s in sentences if s.items) / len(sentences)
    contexts, previous = [], []
    for s in sentences:
        contexts.append(Context(previous, headline if s is not first else [], share))
        previous = s.sides() or previous[:0]
    return contexts

