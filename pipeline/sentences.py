"""Sentence segmentation for news text: abbreviations, initials, quotes, bullets, datelines."""

from __future__ import annotations

import re

# Tokens that end with a period but rarely end a sentence (lowercased, without the final period).
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen sens rep reps gov gen lt col sgt maj capt cpl pvt adm cmdr brig cdr
    pres supt insp det st ste mt ft no nos vol art fig approx est dept univ assn bros
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    inc corp co ltd plc llc vs v cf al op ed rev hon jr sr messrs mme mlle
    u.s u.k u.n e.u u.s.a d.c n.y l.a a.m p.m i.e e.g s.korea n.korea
    calif fla wash mass penn conn ariz colo ill ind kan mich minn miss mo neb nev okla ore tenn tex va wis wyo
    """.split()
)
# After these abbreviations a capitalised word usually starts a new sentence only if it is a
# typical sentence opener, e.g. "... sent by the U.S. The package ...".
_OPENERS = frozenset(
    """
    The A An It He She They We I This That These Those But And In On At For As If When While
    Its Their His Her Our Some Many Most No Yet So Still However Meanwhile Also After Before
    """.split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+([\"'“‘(\[]*)([A-Z0-9•\-–—*]|$)")
_BULLET = re.compile(r"^\s*(?:[-–—•*▪●◦]|\d{1,2}[.)])\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split plain article text into sentences, as (start, end) character offsets.

    Args:
        text: article text, paragraphs separated by newlines.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        start = line_start + (bullet.end() if bullet else 0)
        for s, e in _split_line(text[start : line_start + len(line)]):
            spans.append((start + s, start + e))
    return spans


def _split_line(line: str) -> list[tuple[int, int]]:
    """Split one paragraph into sentence spans relative to the paragraph."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        end = m.end()
        if not _is_sentence_end(line, m.start(), end):
            continue
        _append_span(spans, line, start, end)
        start = end
    _append_span(spans, line, start, len(line))
    return spans


def _append_span(spans: list[tuple[int, int]], line: str, start: int, end: int) -> None:
    """Append the stripped span [start, end) if it holds any text."""
    chunk = line[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    spans.append((start + lead, start + lead + len(stripped)))


def _is_sentence_end(line: str, dot: int, end: int) -> bool:
    """Decide whether the punctuation at line[dot:end] closes a sentence."""
    nxt = _NEXT_START.match(line, end)
    if not nxt:
        return False  # next word starts lowercase: "the U.S. military", "approx. 10"
    if line[dot] != ".":
        return True
    if line[dot:end].startswith(".."):
        return True
    word_start = dot
    while word_start > 0 and not line[word_start - 1].isspace() and line[word_start - 1] not in "\"'“‘([":
        word_start -= 1
    word = line[word_start:dot]
    low = word.lower()
    if len(word) == 1 and word.isupper():
        return False  # an initial: "N. Korea", "John F. Kennedy"
    if low in _ABBREVIATIONS or low.rstrip(".") in _ABBREVIATIONS:
        if low in ("no", "nos") and not nxt.group(2).isdigit():
            return True  # "No." followed by a word is the word "no" ending a sentence
        following = re.match(r"\s+[\"'“‘(\[]*(\w+)", line[end:])
        return bool(following and "." in word and following.group(1) in _OPENERS)
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):
        following = re.match(r"\s+[\"'“‘(\[]*(\w+)", line[end:])
        return bool(following and following.group(1) in _OPENERS)
    return True
