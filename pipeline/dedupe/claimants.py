"""Claimant kinds: who stands behind a claim (media, a party itself, intelligence, officials...)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path


# Claimant kinds. A kind a cluster has not had yet is news (an official confirmation after anonymous
# reports, a denial), except a media report or an unclassified name, which only corroborate.
CLAIMANT_KINDS = ("media", "other", "research", "intelligence", "official", "party", "denial")
ALERTING_KINDS = frozenset({"research", "intelligence", "official", "party", "denial"})
_ANONYMOUS = re.compile(
    r"\b(?:unnamed|anonymous|anonymity|sources?|people familiar|person familiar|insiders?|a source)\b", re.I
)
_INTELLIGENCE = re.compile(
    r"\b(?:(?i:intelligence|spy|spies|security service|Mossad)|NIS|HUR|GUR|GRU|CIA|DIA|ODNI|MI6|SVR|FSB|SBU|"
    r"BND|DGSE)\b",
)
_RESEARCH = re.compile(
    r"\b(?:think[- ]tank|institute|researchers?|analysts?|experts?|study|monitor|monitoring group|"
    r"Conflict Armament Research|Open Source Centre|open[- ]source|satellite (?:images|imagery)|ISW|RUSI|CSIS|"
    r"SIPRI|Bellingcat|Oryx|NGO)\b",
    re.I,
)
_OFFICIAL = re.compile(
    r"\b(?:minist(?:ers?|ry|ries)|Pentagon|White House|State Department|Department|government|presidents?|"
    r"prime ministers?|premier|chancellor|spokes(?:man|woman|men|women|person|people)|officials?|"
    r"secretar(?:y|ies)|generals?|admirals?|commanders?|military|army|armed forces|navy|air force|"
    r"joint chiefs|chiefs? of staff|embassy|ambassadors?|diplomats?|Kremlin|lawmakers?|parliament(?:ary)?|"
    r"senators?|congress(?:man|woman|men|women)?|administration|foreign office|NATO|European Union|"
    r"European Commission|EU|G7|United Nations|UN|council|authorities|mayors?|governors?|envoys?|cabinet|"
    r"presidential|Downing Street|Elysee|Élysée)\b",
    re.I,
)
_STATE_MEDIA = re.compile(r"\bstate(?:-run)? (?:media|news agency|television|TV|broadcaster)\b|\b(?:KCNA|IRNA)\b", re.I)
_OUTLET_WORDS = r"(?:Times|Post|Independent|Herald|Tribune|Daily|News|Journal|Today|Telegraph)\b"
_MEDIA = re.compile(
    r"\b(?:media|reports?|reported|newspaper|outlet|news agency|agency|broadcaster|journalists?|"
    r"correspondents?|Reuters|AP|AFP|Yonhap|TASS|RIA|Interfax|Bloomberg|CNN|BBC|Kyodo|NHK|"
    r"Wall Street Journal|New York Times|Washington Post|Financial Times|Guardian|KCNA)\b|\b" + _OUTLET_WORDS,
    re.I,
)


def classify_claimant(claimant: str | None, stance: str | None = None, *, supplier: str | None = None,
                      recipient: str | None = None) -> str:
    """Return the kind of source behind a claim: denial, media, party, intelligence, research, official, other.

    Checked in this order: a denied stance is a "denial"; unnamed sources (or no claimant: the outlet
    itself) are "media"; a claimant naming the supplier or recipient (Pyongyang, the Kremlin, Russian
    officials for a transfer to Russia) is the "party" itself; then intelligence agencies, researchers
    and think tanks, officials and governments (also a state named alone: "Washington", "the United
    States"), news media; any other name (a person without a title) is "other".

    Args:
        claimant: who makes the claim, as written, or None when the outlet states it.
        stance: the claim's stance (affirmed, hedged, denied).
        supplier: the claim's supplier code (to recognise the party itself).
        recipient: the claim's recipient code.
    """
    if stance == "denied":
        return "denial"
    if not claimant or _ANONYMOUS.search(claimant):
        return "media"
    if _names_party(claimant, (supplier, recipient)):
        return "party"
    for kind, pattern in (("intelligence", _INTELLIGENCE), ("research", _RESEARCH), ("official", _OFFICIAL)):
        if pattern.search(claimant):
            return kind
    if _names_state(claimant):
        return "official"
    return "media" if _MEDIA.search(claimant) else "other"


def _names_state(claimant: str) -> bool:
    """Tell whether the claimant names any state of the lexicon by name, capital or leader."""
    pattern = _party_patterns().get("*")
    return bool(pattern and pattern[0] and pattern[0].search(claimant))


def _names_party(claimant: str, parties: tuple[str | None, ...]) -> bool:
    """Tell whether the claimant speaks for the supplier or recipient.

    A name (state, capital, seat of power, leader) is enough, unless it is part of an outlet's name
    ("The Moscow Times"); a demonym needs an official body beside it ("Russian officials", "North Korean
    state media"), since "Iranian media" are not Tehran.
    """
    patterns = _party_patterns()
    for code in parties:
        names, demonyms = patterns.get(code or "", (None, None))
        if names and names.search(claimant):
            return True
        if demonyms and demonyms.search(claimant) and (
            _OFFICIAL.search(claimant) or _INTELLIGENCE.search(claimant) or _STATE_MEDIA.search(claimant)
        ):
            return True
    return False


@functools.cache
def _party_patterns() -> dict[str, tuple[re.Pattern | None, re.Pattern | None]]:
    """Per party code, regexes of its names and of its demonyms, from the claims lexicon
    (pipeline/lexicons/parties.json, read once); "*" holds the names of every party."""
    path = Path(__file__).parent.parent / "lexicons" / "parties.json"
    try:
        parties = json.loads(path.read_text(encoding="utf-8")).get("parties", {})
    except (OSError, ValueError):
        return {}

    def alternation(words: list[str], outlet_guard: bool) -> re.Pattern | None:
        if not words:
            return None
        guard = rf"(?!\s+{_OUTLET_WORDS})" if outlet_guard else ""
        longest_first = sorted(set(words), key=len, reverse=True)
        return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, longest_first))})(?!\w){guard}")

    entries = {code: entry for code, entry in parties.items() if isinstance(entry, dict)}
    patterns = {
        code: (alternation(entry.get("names", []), True), alternation(entry.get("demonyms", []), False))
        for code, entry in entries.items()
    }
    every_name = [name for entry in entries.values() for name in entry.get("names", [])]
    patterns["*"] = (alternation(every_name, True), None)
    return patterns
