"""The lexicons (parties, items, frames) compiled into regexes and lookup tables, once per process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicons"
# "US-made", "Iranian-supplied": a name or demonym glued to one of these marks an item's origin
ORIGIN_SUFFIX = ("made|built|produced|manufactured|designed|supplied|origin|sourced|developed|provided|donated|led|funded|"
                 "backed|run|bought|purchased|delivered|pledged|promised")


@dataclass(frozen=True)
class Lexicon:
    """Compiled lexicons: who (parties), what (items), and the words around them."""

    party_re: re.Pattern
    party_map: dict
    demonym_re: re.Pattern
    demonym_map: dict
    people_re: re.Pattern
    people_map: dict
    group_re: re.Pattern
    group_map: dict
    body_re: re.Pattern
    pronoun_re: re.Pattern
    item_re: re.Pattern
    item_map: dict
    weak_items: frozenset
    military_re: re.Pattern
    non_military_re: re.Pattern
    origin_re: re.Pattern
    origin_map: dict
    agencies: list
    alliance: frozenset  # NATO members: stationing troops among them is not a transfer


def term_pattern(term: str) -> str:
    """Regex for one lexicon term: spaces and hyphens interchangeable, optional plural."""
    parts = re.split(r"[\s-]+", term)
    body = r"[\s-]?".join(re.escape(p) for p in parts)
    if re.search(r"[^aeiou]y$", term):
        return body[:-1] + "(?:y|ies)"  # "mercenary", "mercenaries"
    if term[-1].isalpha() and not term.endswith("s"):
        body += r"(?:e?s)?"
    elif term[-1].isdigit():
        body += r"(?:s|'s)?"
    return body


def alternation(terms: Iterable[str]) -> str:
    """Longest-first alternation ('artillery shells' beats 'shells'), branches grouped by first character."""
    return _grouped_alternation([(t, *_split_head(t)) for t in sorted(set(terms), key=len, reverse=True)])


def _plain_branch(fragment: str) -> bool:
    """True when a regex fragment has no top-level '|' (so a head can be factored out of it)."""
    depth, i, in_class = 0, 0, False
    while i < len(fragment):
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return False
        i += 1
    return True


def _split_head(fragment: str) -> tuple[str | None, str, str]:
    """(group key, head, rest) of a fragment starting with a literal letter or digit; key None otherwise."""
    if fragment[:1].isalnum() and fragment[1:2] not in ("?", "*", "+", "{") and _plain_branch(fragment):
        return fragment[0].lower(), fragment[0], fragment[1:]
    return None, "", fragment


def _grouped_alternation(branches: list[tuple[str, str | None, str, str]]) -> str:
    """Join (pattern, key, head, rest) branches, factoring shared heads: 's(?:end|ent|hip)'.

    Why: Python's re tries every branch of a flat alternation at every position; with one group per
    first character only one small group is tried, which makes the lexicon regexes several times faster.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    order: list = []
    for pattern, key, head, rest in branches:
        if key is None:
            order.append(pattern)
            continue
        if (key, head) not in groups:
            groups[(key, head)] = []
            order.append((key, head))
        groups[(key, head)].append(rest)
    parts = []
    for entry in order:
        if isinstance(entry, str):
            parts.append(entry)
        else:
            rests = groups[entry]
            parts.append(entry[1] + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
    return "|".join(parts)


def normalise_key(text: str) -> str:
    """Key used to look a matched surface form up in a term map."""
    return re.sub(r"[\s-]+", " ", text.lower()).strip()


def words_regex(words: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern:
    """Compile regex fragments into one word-bounded regex."""
    return re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w])", flags)


def _terms_regex(terms: Iterable[str]) -> re.Pattern:
    """Item terms: lowercase terms match in any case, capitalised designations only as written."""
    branches = []
    for term in set(terms):
        pat = term_pattern(term)
        key, head, rest = _split_head(pat)
        folded = term.lower() == term
        if folded:
            pat, rest = f"(?i:{pat})", (f"(?i:{rest})" if rest else "")
        if key is not None and head.isalpha():
            # one group per letter keeps the longest-first order; a case-sensitive term re-checks its head
            rest = rest if folded else f"(?<={head}){rest}"
            head = f"[{head.lower()}{head.upper()}]"
        branches.append((pat, key, head, rest))
    branches.sort(key=lambda b: len(b[0]), reverse=True)
    return re.compile(rf"(?<![\w-])(?:{_grouped_alternation(branches)})(?![\w])")


def _names_regex(names: Iterable[str], suffix: str = "") -> re.Pattern:
    """Exact, case-sensitive names, longest first."""
    return re.compile(rf"(?<![\w-])(?:{alternation(re.escape(n) for n in names)})(?![\w]){suffix}")


@lru_cache(maxsize=2)
def load_lexicon(folder: str | None = None) -> Lexicon:
    """Load and compile parties.json and weapons.json (cached per process).

    Args:
        folder: a folder holding the two files (default: the bundled lexicons).
    """
    base = Path(folder) if folder else LEXICON_DIR
    parties = json.loads((base / "parties.json").read_text(encoding="utf-8"))
    weapons = json.loads((base / "weapons.json").read_text(encoding="utf-8"))
    names, demonyms = _party_tables(parties["parties"])
    people = _people_table(demonyms)
    groups = {name: (None if code == "null" else code) for code, entry in parties["armed_groups"].items()
              if not code.startswith("_") for name in entry}
    item_map, item_terms = _item_tables(weapons)
    origin_map = {normalise_key(t): code for code, terms in weapons["origins"].items() if not code.startswith("_")
                  for t in terms}
    return Lexicon(
        party_re=_names_regex(names, r"(?:['’]s?)?"),
        party_map=names,
        demonym_re=_names_regex(demonyms, rf"(?:[\s-]+(?:{ORIGIN_SUFFIX}))?"),
        demonym_map=demonyms,
        people_re=_names_regex(people),
        people_map=people,
        group_re=_names_regex(groups, r"(?:['’]s?)?"),
        group_map=groups,
        body_re=re.compile(rf"\s+(?:{alternation(re.escape(b) for b in parties['body_words'])})\b"),
        pronoun_re=_names_regex(parties["pronouns"]),
        item_re=_terms_regex(item_terms),
        item_map=item_map,
        weak_items=frozenset(normalise_key(t) for t in weapons["weak_generic"]),
        military_re=words_regex(weapons["military_context"]),
        non_military_re=words_regex(weapons["non_military"]),
        origin_re=_terms_regex(t for code, terms in weapons["origins"].items() if not code.startswith("_") for t in terms),
        origin_map=origin_map,
        agencies=[(re.compile(a["pattern"]), a["name"]) for a in parties["agencies"]],
        alliance=frozenset(parties["groups"]["NATO"]),
    )


def _party_tables(entries: dict) -> tuple[dict, dict]:
    """name -> code and demonym -> code."""
    names: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    for code, entry in entries.items():
        if code.startswith("_"):
            continue
        for name in entry.get("names", []):
            names[name] = code
        for dem in entry.get("demonyms", []):
            demonyms[dem] = code
    return names, demonyms


def _people_table(demonyms: dict) -> dict:
    """Nationals as a side: 'the Ukrainians', 'Iraqis', 'the French' (from the demonyms)."""
    people: dict[str, str] = {}
    for dem, code in demonyms.items():
        if not (dem[:1].isupper() and dem.isalpha()):
            continue
        if dem.endswith(("n", "i")):
            people[dem + "s"] = code
        elif dem.endswith(("ese", "ish", "ch")):
            people["the " + dem] = code
    return people


def _item_tables(weapons: dict) -> tuple[dict, list[str]]:
    """normalised term -> (category, priority: 2 named, 1 class, 0 generic), and every term."""
    item_map: dict[str, tuple[str, int]] = {}
    terms: list[str] = []
    for category, entry in weapons["categories"].items():
        for term in entry["named"]:
            item_map[normalise_key(term)] = (category, 2)
        for term in entry["class"]:
            item_map.setdefault(normalise_key(term), (category, 1))
        terms += entry["named"] + entry["class"]
    for term in weapons["generic"]:
        item_map.setdefault(normalise_key(term), ("unspecified", 0))
    terms += weapons["generic"]
    return item_map, terms
