"""Parties named in a sentence: states, their capitals and leaders, nationals, armed groups, pronouns."""

from __future__ import annotations

import re

from pipeline.claims.claim import Mention
from pipeline.claims.lexicon import ORIGIN_SUFFIX, Lexicon

_DATELINE_RE = re.compile(
    r"^\s*[A-Z][A-Za-z .'-]{1,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"\((?:Reuters|AP|AFP|Bloomberg|dpa|UPI|Xinhua|Yonhap|Kyodo|TASS|Interfax|Ukrinform|KCNA|CNN)\)\s*[-–—:]+\s*"
    r"|^\s*[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?\s*[-–—]+\s+"
)
_ORIGIN_AFTER_RE = re.compile(rf"-(?:{ORIGIN_SUFFIX})\b")
_INSTITUTION_AFTER_RE = re.compile(r"\s+(?:International\s+)?(?:Peace\s+Research\s+|Policy\s+|Strategic\s+)?"
                                   r"(?:Institute|University|Research|Centre|Center|Stock Exchange)\b")
_HOSTILE_OWNER_RE = re.compile(r"(?:Russia|Moscow|Iran|Tehran|Kremlin|China|Beijing|Pyongyang|Korea)['’]s?\s+$|"
                               r"\b(?:its|their)\s+$")
_QUOTE_FIRST_RE = re.compile(r"^\s*[“\"](?P<quote>[^”\"]{10,}?)[”\"]\s*,?\s+(?=\S)")
_QUOTE_AFTER_RE = re.compile(r"\b(?:said|says|told [\w ]{1,40}?|added|wrote|declared|stressed)\s*[,:]?\s*"
                             r"[“\"](?P<quote>[^”\"]{10,})[”\"]")
_FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|us|[Oo]ur)\b")
_POSSESSIVE_RE = re.compile(r"['’]s?$")


def mask_dateline(sentence: str) -> str:
    """Blank a leading dateline ('SEOUL, Nov 1 (Reuters) -') so it is not read as a party, keeping offsets."""
    m = _DATELINE_RE.match(sentence)
    return sentence if not m else " " * m.end() + sentence[m.end():]


def find_parties(text: str, lex: Lexicon) -> list[Mention]:
    """Find the parties a sentence names, sorted by position.

    Args:
        text: one sentence (dateline masked).
        lex: the compiled lexicons.
    """
    found = _named_parties(text, lex) + _group_parties(text, lex)
    taken = [(p.start, p.end) for p in found]
    found += [m for m in _demonym_parties(text, lex) if not _inside(m, taken)]
    found += [m for m in _people(text, lex) if not _inside(m, taken)]
    found += [m for m in _pronouns(text, lex) if not _inside(m, taken)]
    found += first_person_parties(text, found)
    found.sort(key=lambda m: (m.start, m.kind))
    return found


def _inside(m: Mention, taken: list[tuple[int, int]]) -> bool:
    """Whether a mention starts inside one already found."""
    return any(s <= m.start < e for s, e in taken)


def _named_parties(text: str, lex: Lexicon) -> list[Mention]:
    """States by name, capital, seat of power, leader or arms maker."""
    found = []
    for m in lex.party_re.finditer(text):
        surface = m.group(0)
        key = _POSSESSIVE_RE.sub("", surface)
        code = lex.party_map.get(key)
        if code is None or _ORIGIN_AFTER_RE.match(text, m.end()) or _INSTITUTION_AFTER_RE.match(text, m.end()):
            continue  # "US-made planes" is an origin; "the Stockholm International Peace Research Institute" a source
        if code == "WEST" and _HOSTILE_OWNER_RE.search(text[:m.start()]) and not key.startswith(("its W", "its w")):
            continue  # "Russia's allies" are not the West
        if key.startswith(("its ", "their ")) and code != "WEST":
            continue
        found.append(Mention(m.start(), m.end(), surface, "party", code, priority=1,
                             possessive=surface != key))
    return found


def _group_parties(text: str, lex: Lexicon) -> list[Mention]:
    """Armed groups and movements, coded by the territory they fight in."""
    found = []
    for m in lex.group_re.finditer(text):
        key = _POSSESSIVE_RE.sub("", m.group(0))
        if key in lex.group_map:
            found.append(Mention(m.start(), m.end(), m.group(0), "group", lex.group_map[key], priority=1,
                                 possessive=m.group(0) != key))
    return found


def _demonym_parties(text: str, lex: Lexicon) -> list[Mention]:
    """'Russian forces' (a side), 'North Korean shells' (an origin), 'the Czech-led initiative' (a side)."""
    found = []
    for m in lex.demonym_re.finditer(text):
        base = re.split(rf"[\s-]+(?:{ORIGIN_SUFFIX})$", m.group(0))[0]
        code = lex.demonym_map.get(base)
        if code is None:
            continue
        body = lex.body_re.match(text, m.end())
        if body and m.group(0) == base:
            found.append(Mention(m.start(), body.end(), text[m.start():body.end()], "party", code))
        elif re.search(r"[\s-](?:led|funded|backed|run)$", m.group(0)):
            found.append(Mention(m.start(), m.end(), m.group(0), "party", code))
        else:
            found.append(Mention(m.start(), m.end(), m.group(0), "demonym", code))
    return found


def _people(text: str, lex: Lexicon) -> list[Mention]:
    """Nationals as a side: 'the Ukrainians', 'Iraqis'."""
    return [Mention(m.start(), m.end(), m.group(0), "people", lex.people_map[m.group(0)], priority=1)
            for m in lex.people_re.finditer(text)]


def _pronouns(text: str, lex: Lexicon) -> list[Mention]:
    """'it', 'they', 'the country': resolved later from the article's context."""
    return [Mention(m.start(), m.end(), m.group(0), "pronoun", None, possessive=m.group(0).lower() in ("its", "their"))
            for m in lex.pronoun_re.finditer(text)]


def first_person_parties(text: str, found: list[Mention]) -> list[Mention]:
    """'We'/'us' inside a quoted statement stand for the speaker's state ('"We are sending ...," France's minister said').

    Args:
        text: one sentence.
        found: the parties already found in it.
    """
    m = _QUOTE_FIRST_RE.match(text)
    if m:
        speaker = next((p for p in found if p.kind == "party" and p.code and p.start >= m.end()), None)
    else:
        m = _QUOTE_AFTER_RE.search(text)
        if not m:
            return []
        speaker = next((p for p in reversed(found) if p.kind == "party" and p.code and p.end <= m.start()), None)
    if speaker is None:
        return []
    start, end = m.span("quote")
    return [Mention(w.start(), w.end(), w.group(0), "party", speaker.code, priority=1)
            for w in _FIRST_PERSON_RE.finditer(text, start, end)]
