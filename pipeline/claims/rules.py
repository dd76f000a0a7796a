"""Transfer-claim detection: rules and lexicons over news sentences (see docs/transfer-claims.md).

Each sentence goes through a cheap cue prefilter; survivors get parties, items, a verb frame
(who gives, who receives), blockers (requests, refusals, conditionals, presupposed use), status,
stance, claimant and quantity. Every decision leaves a cue string on the claim.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Iterable

from pipeline.quantities import find_quantity
from pipeline.sentences import split_sentences

LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicons"
_ORIGIN_SUFFIX = "made|built|produced|manufactured|designed|supplied|origin|sourced|developed|provided|donated|led|funded|backed|run|bought|purchased|delivered|pledged|promised"

__all__ = ["Claim", "detect_claims", "detect_record", "detect_jsonl", "split_sentences", "load_rules"]


@dataclass
class Claim:
    """One transfer claim found in one sentence."""

    supplier: str | None
    recipient: str | None
    category: str
    item: str | None
    quantity: dict | None
    status: str
    stance: str
    claimant: str | None
    sentence: str
    start: int
    end: int
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the claim as a JSON-ready dict with exactly the spec's keys."""
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Lexicon loading and regex building


@dataclass(frozen=True)
class Rules:
    """Compiled lexicons; built once per process by load_rules()."""

    party_re: re.Pattern
    party_map: dict
    demonym_re: re.Pattern
    demonym_map: dict
    body_re: re.Pattern
    pronoun_re: re.Pattern
    item_re: re.Pattern
    item_map: dict
    weak_items: frozenset
    military_re: re.Pattern
    cue_res: dict
    prefilter: re.Pattern
    blockers: dict
    agencies: list
    nato_group: frozenset
    related_line: re.Pattern
    origin_re: re.Pattern
    origin_map: dict


def _term_pattern(term: str) -> str:
    """Regex for one lexicon term: spaces/hyphens interchangeable, optional plural."""
    parts = re.split(r"[\s-]+", term)
    body = r"[\s-]?".join(re.escape(p) for p in parts)
    if term[-1].isalpha() and not term.endswith("s"):
        body += r"(?:e?s)?"
    elif term[-1].isdigit():
        body += r"(?:s|'s)?"
    return body


def _alternation(terms: Iterable[str]) -> str:
    """Longest-first alternation so that "artillery shells" beats "shells", grouped by first character."""
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
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
        i += 1
    return True


def _split_head(fragment: str) -> tuple[str | None, str, str]:
    """(group key, head regex, rest) of a fragment starting with a literal letter or digit; key None otherwise."""
    if fragment[:1].isalnum() and fragment[1:2] not in ("?", "*", "+", "{") and _plain_branch(fragment):
        return fragment[0].lower(), fragment[0], fragment[1:]
    return None, "", fragment


def _grouped_alternation(branches: list[tuple[str, str | None, str, str]]) -> str:
    """Join (pattern, key, head, rest) branches, factoring shared heads: 's(?:end|ent|hip)'.

    Why: Python's re tries every branch of a flat alternation at every position; with one group per
    first character only one small group is tried, which makes the lexicon regexes several times faster.
    Branch order inside a group is kept, and distinct heads cannot match at the same position.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str] | str] = []
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


def _compile_terms(terms: dict[str, object], case_split: bool) -> tuple[re.Pattern, dict]:
    """Compile a term->value mapping into one regex plus a lookup by lowercased match."""
    branches = []
    for term in terms:
        pat = _term_pattern(term)
        key, head, rest = _split_head(pat)
        folded = case_split and term.lower() == term
        if folded:
            pat = f"(?i:{pat})"
            rest = f"(?i:{rest})" if rest else ""
        if key is not None and head.isalpha():
            # one group per letter keeps the longest-first order; a case-sensitive term re-checks its head
            rest = rest if folded else f"(?<={head}){rest}"
            head = f"[{head.lower()}{head.upper()}]"
        branches.append((pat, key, head, rest))
    branches.sort(key=lambda b: len(b[0]), reverse=True)
    regex = re.compile(rf"(?<![\w-])(?:{_grouped_alternation(branches)})(?![\w])")
    return regex, terms


def _normalise_key(text: str) -> str:
    """Key used to look a matched surface form up in a term map."""
    return re.sub(r"[\s-]+", " ", text.lower()).strip()


def _words_regex(words: list[str], flags: int = re.IGNORECASE) -> re.Pattern:
    """Compile cue fragments into one word-bounded regex."""
    return re.compile(rf"(?<![\w-])(?:{_alternation(words)})(?![\w])", flags)


@lru_cache(maxsize=1)
def load_rules(lexicon_dir: str | None = None) -> Rules:
    """Load and compile the lexicons (cached per process).

    Args:
        lexicon_dir: folder holding parties.json, weapons.json and cues.json (default: bundled).
    """
    folder = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
    parties = json.loads((folder / "parties.json").read_text(encoding="utf-8"))
    weapons = json.loads((folder / "weapons.json").read_text(encoding="utf-8"))
    cues = json.loads((folder / "cues.json").read_text(encoding="utf-8"))

    names: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    for code, entry in parties["parties"].items():
        for name in entry.get("names", []):
            names[name] = code
        for dem in entry.get("demonyms", []):
            demonyms[dem] = code
    party_re = re.compile(
        rf"(?<![\w-])(?:{_alternation(re.escape(n) for n in names)})(?![\w])(?:['’]s?)?"
    )
    demonym_re = re.compile(
        rf"(?<![\w-])(?:{_alternation(re.escape(n) for n in demonyms)})(?![\w])"
        rf"(?:[\s-]+(?:{_ORIGIN_SUFFIX}))?"
    )
    body_re = re.compile(rf"\s+(?:{_alternation(re.escape(b) for b in parties['body_words'])})\b")
    pronoun_re = re.compile(rf"(?<![\w-])(?:{_alternation(re.escape(p) for p in parties['pronouns'])})(?![\w])")

    item_map: dict[str, tuple[str, int]] = {}
    for category, entry in weapons["categories"].items():
        for term in entry["named"]:
            item_map[_normalise_key(term)] = (category, 2)
        for term in entry["class"]:
            item_map.setdefault(_normalise_key(term), (category, 1))
    for term in weapons["generic"]:
        item_map.setdefault(_normalise_key(term), ("unspecified", 0))
    all_terms = {}
    for category, entry in weapons["categories"].items():
        for term in entry["named"] + entry["class"]:
            all_terms[term] = True
    for term in weapons["generic"]:
        all_terms[term] = True
    item_re, _ = _compile_terms(all_terms, case_split=True)

    origin_map = {_normalise_key(term): code for code, terms in weapons.get("origins", {}).items() if not code.startswith("_")
                  for term in terms}
    origin_re, _ = _compile_terms({term: True for code, terms in weapons.get("origins", {}).items()
                                   if not code.startswith("_") for term in terms}, case_split=True)

    kinds = ("give", "commit", "receive", "arrive", "include", "nominal", "source")
    cue_res = {kind: _words_regex(cues[kind]) for kind in kinds}
    prefilter = _words_regex([c for kind in kinds for c in cues[kind]])
    blockers = {
        kind: _words_regex(cues[kind])
        for kind in ("request", "refusal", "conditional", "use", "hedge", "deny", "commit_modifiers", "speech",
                     "nominal_predicates", "nominal_governors")
    }
    blockers["non_military"] = _words_regex(weapons["non_military"])
    blockers["purpose_noun"] = re.compile(cues["purpose_noun"], re.IGNORECASE)
    for kind in ("receive_nontransfer", "domestic", "after_condition"):
        blockers[kind] = re.compile(cues[kind], re.IGNORECASE if kind != "domestic" else 0)
    blockers["modal"] = re.compile(r"(?<![\w-])(?:could|might|may|can)(?![\w])(?!\s+(?:have|already|well have)\b)")
    blockers["conditional"] = _words_regex([c for c in cues["conditional"] if c not in ("could", "might", "may")])
    return Rules(
        party_re=party_re,
        party_map=names,
        demonym_re=demonym_re,
        demonym_map=demonyms,
        body_re=body_re,
        pronoun_re=pronoun_re,
        item_re=item_re,
        item_map=item_map,
        weak_items=frozenset(_normalise_key(t) for t in weapons["weak_generic"]),
        military_re=_words_regex(weapons["military_context"]),
        cue_res=cue_res,
        prefilter=prefilter,
        blockers=blockers,
        agencies=[(re.compile(a["pattern"]), a["name"]) for a in parties["agencies"]],
        nato_group=frozenset(parties["groups"]["NATO"]),
        related_line=re.compile(cues["related_line"]),
        origin_re=origin_re,
        origin_map=origin_map,
    )


# --------------------------------------------------------------------------------------------
# Mentions


@dataclass
class Mention:
    """A party, item or cue found in a sentence."""

    start: int
    end: int
    text: str
    kind: str
    code: str | None = None  # parties: ISO code; items: category
    prep: str | None = None
    possessive: bool = False
    priority: int = 0  # parties: 1 for names; items: 2 named, 1 class, 0 generic
    origin: str | None = None  # items: supplier named by a demonym ("North Korean shells")
    weak: bool = False  # items that need military context ("equipment", "fuel")
    before: str = ""  # pronouns: the text just before, to spot relative clauses


_PREPOSITIONS = (
    "to|for|from|by|of|in|at|on|against|with|into|between|over|amid|after|during|under|across|toward|towards|"
    "near|inside|outside|within|including|about|than|like|via|among|alongside|and|or|as|beyond|throughout|"
    "around|behind|besides|except|per|versus|vs|upon|onto|through|without|before|since|until|despite"
)
_PREP_RE = re.compile(
    rf"(?:\b({_PREPOSITIONS})(?:\s+(?:the|a|an|its|their|his|her|such|other|countries such as|nations such as|"
    rf"states such as|allies such as|partners such as))*\s+)$",
    re.IGNORECASE,
)
_DATELINE_RE = re.compile(
    r"^\s*[A-Z][A-Za-z .'-]{1,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"\((?:Reuters|AP|AFP|Bloomberg|dpa|UPI|Xinhua|Yonhap|Kyodo|TASS|Interfax|Ukrinform|KCNA)\)\s*[-–—:]+\s*"
    r"|^\s*[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][A-Za-z .'-]{1,30})?\s*[-–—]+\s+"
)
_NOUN_DETERMINER_RE = re.compile(
    r"(?:\b(?:a|an|the|its|their|his|her|our|your|this|that|these|those|short|limited|steady|constant|ample|"
    r"new|further|future|first|second|more|of|in|on|for|any|no|every|each|arms|weapons|military|energy|"
    r"gas|oil|food|power|grain|water|fuel|global|supply|over|about|with|by|from|into|under|against|amid|after|before|"
    r"during|despite|own|military|weapons?|arms|ammunition|drone|missile)\s+)$",
    re.IGNORECASE,
)
_NOUNLIKE_CUES = re.compile(
    r"(?i)^(?:supply|supplies|transfer|transfers|export|exports|import|imports|purchase|purchases|loan|loans|"
    r"sale|sales|ship|offer|offers|pledge|pledges|promise|promises|commitment|deal|gift|gifts|delivery|"
    r"shipping|commit|approval|buy|buys)$"
)


def _mask_dateline(sentence: str) -> str:
    """Blank a leading dateline ("SEOUL, Nov 1 (Reuters) -") so it is not read as a party."""
    m = _DATELINE_RE.match(sentence)
    if not m:
        return sentence
    return " " * m.end() + sentence[m.end():]


def _prep_before(text: str, pos: int) -> str | None:
    """The preposition right before position pos, if any."""
    m = _PREP_RE.search(text[max(0, pos - 40):pos])
    return m.group(1).lower() if m else None


def find_parties(text: str, rules: Rules) -> list[Mention]:
    """Find parties named in text: names, metonyms, leaders, demonym + body word, pronouns.

    Args:
        text: one sentence.
        rules: compiled lexicons.
    """
    found = []
    for m in rules.party_re.finditer(text):
        surface = m.group(0)
        possessive = bool(re.search(r"['’]s?$", surface))
        key = re.sub(r"['’]s?$", "", surface)
        code = rules.party_map.get(key)
        if code is None:
            continue
        if re.match(rf"-(?:{_ORIGIN_SUFFIX})\b", text[m.end():m.end() + 16]):
            continue  # "the US-made planes" is an origin, handled by demonyms
        if _INSTITUTION_AFTER_RE.match(text, m.end()):
            continue  # "the Stockholm International Peace Research Institute" is a source, not Sweden
        if code == "WEST" and re.search(r"(?:Russia|Moscow|Iran|Tehran|Kremlin|China|Beijing|Pyongyang|Korea)['’]s?\s+$|"
                                        r"\b(?:its|their)\s+$", text[:m.start()]) and not key.startswith(("its W", "its w")):
            continue  # "Russia's allies" are not the West
        if (key.startswith("its ") or key.startswith("their ")) and code != "WEST":
            continue  # resolved as pronouns instead
        found.append(Mention(m.start(), m.end(), surface, "party", code, _prep_before(text, m.start()), possessive, 1))
    found = _drop_group_owners(text, found)
    taken = [(p.start, p.end) for p in found]
    for m in rules.demonym_re.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        base = re.split(rf"[\s-]+(?:{_ORIGIN_SUFFIX})$", m.group(0))[0]
        code = rules.demonym_map.get(base)
        if code is None:
            continue
        body = rules.body_re.match(text, m.end())
        if body and m.group(0) == base:
            found.append(Mention(m.start(), body.end(), text[m.start():body.end()], "party", code, _prep_before(text, m.start())))
        found.append(Mention(m.start(), m.end(), m.group(0), "demonym", code, _prep_before(text, m.start())))
        if re.search(r"[\s-](?:led|funded|backed|run)$", m.group(0)):
            found.append(Mention(m.start(), m.end(), m.group(0), "party", code, _prep_before(text, m.start())))  # "the Czech-led initiative"
    for m in rules.pronoun_re.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        pron = Mention(m.start(), m.end(), m.group(0), "pronoun", None, _prep_before(text, m.start()),
                       m.group(0).lower() in ("its", "their"))
        pron.before = text[max(0, m.start() - 40):m.start()]
        found.append(pron)
    found += first_person_parties(text, found)
    found.sort(key=lambda x: (x.start, x.kind))
    return found


_INSTITUTION_AFTER_RE = re.compile(r"\s+(?:International\s+)?(?:Peace\s+Research\s+|Policy\s+|Strategic\s+)?"
                                   r"(?:Institute|University|Research|Centre|Center|Stock Exchange)\b")
_QUOTE_FIRST_RE = re.compile(r"^\s*[“\"](?P<quote>[^”\"]{10,}?)[”\"]\s*,?\s+(?=\S)")
_QUOTE_AFTER_RE = re.compile(r"\b(?:said|says|told [\w ]{1,40}?|added|wrote|declared|stressed)\s*[,:]?\s*[“\"](?P<quote>[^”\"]{10,})[”\"]")
_FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|us)\b")


def first_person_parties(text: str, found: list[Mention], fallback: str | None = None) -> list[Mention]:
    """'We'/'us' inside a quoted statement as the speaker's state ('"We are sending ...," France's defence minister said').

    Args:
        text: one sentence.
        found: the parties already found in it.
        fallback: the state of the previous sentence's speaker, for '"We will ...," he said'.
    """
    m = _QUOTE_FIRST_RE.match(text)
    if m:
        speaker = next((p for p in found if p.kind == "party" and p.code and p.start >= m.end()), None)
        if speaker is None and fallback and re.match(r"(?:he|she)\s+(?:said|added|told)\b", text[m.end():]):
            speaker = Mention(m.end(), m.end(), "", "party", fallback)
        span = m.span("quote")
    else:
        m = _QUOTE_AFTER_RE.search(text)
        if not m:
            return []
        speaker = next((p for p in reversed(found) if p.kind == "party" and p.code and p.end <= m.start()), None)
        span = m.span("quote")
    if speaker is None:
        return []
    return [Mention(w.start(), w.end(), w.group(0), "party", speaker.code, _prep_before(text, w.start()), False, 1)
            for w in _FIRST_PERSON_RE.finditer(text, span[0], span[1])]


def _drop_group_owners(text: str, found: list[Mention]) -> list[Mention]:
    """"to Russia's Wagner Group": the group is the side, not its owner (the group keeps the owner's preposition)."""
    kept = []
    for i, p in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        if p.possessive and nxt is not None and nxt.code == NON_STATE and not text[p.end:nxt.start].strip():
            nxt.prep = nxt.prep or p.prep
            continue
        kept.append(p)
    return kept


# "300,000 rounds": a counted round is ammunition ("rounds of talks/sanctions" are not)
_NUMBERED_ROUNDS_RE = re.compile(r"\d(?:[\d,.]*\d)?(?:\s+(?:million|billion|thousand))?\s+(?P<item>rounds)\b"
                                 r"(?!\s+of\s+(?!ammunition|ammo|artillery|shells|munitions))")
_SMALL_ARMS_RE = re.compile(r"(?i)\b(?:rifles?|carbines?|pistols?|machine ?guns?|small arms|firearms|guns)\b")
_PLAIN_AMMO_RE = re.compile(r"(?i)(?:[\d,.]+\s+)?(?:rounds?(?: of ammunition)?|ammunition|ammo|cartridges|bullets)")
_ARTILLERY_WORD_RE = re.compile(r"(?i)\b(?:shells?|artillery|howitzers?|mortars?|tanks?|\d+\s?mm|calib(?:er|re)|HIMARS|rockets?)\b")


def find_items(text: str, rules: Rules, demonyms: list[Mention]) -> list[Mention]:
    """Find items (weapons, troops, aid) and merge adjacent terms into one noun phrase.

    Args:
        text: one sentence.
        rules: compiled lexicons.
        demonyms: demonym mentions, used to mark an item's origin.
    """
    raw = []
    for m in rules.item_re.finditer(text):
        key = _normalise_key(m.group(0))
        entry = rules.item_map.get(key) or rules.item_map.get(re.sub(r"(?:e?s|'s)$", "", key))
        if entry is None:
            entry = rules.item_map.get(key.rstrip("s"))
        if entry is None:
            continue
        if re.match(r"[\s-]+(?:maker|makers|manufacturer|manufacturers|industry|industries|factory|factories|production|"
                    r"plant|plants|sector|company|companies|firm|firms|producer|producers|stockpile|stockpiles|strike|"
                    r"strikes|attack|attacks|fire|shortage|shortages|war|policy|control|controls|race|program|"
                    r"programme|programs|programmes|test|tests|launch|launches|crisis|dispute|talks|sanctions|"
                    r"embargo|ban|treaty|threat|threats|debris|wreckage|alert|alerts|sirens?|defen[cs]e)\b",
                    text[m.end():m.end() + 14]):
            continue  # "arms makers", "missile strikes": not an item being moved
        if re.search(r"(?i)\b(?:think|septic|fuel|water|oil|gas|storage|fish)[\s-]+$", text[max(0, m.start() - 10):m.start()]) \
                and re.match(r"(?i)tanks?\b", m.group(0)):
            continue  # "the think tank said": not armour
        category, priority = entry
        raw.append(Mention(m.start(), m.end(), m.group(0), "item", category, priority=priority,
                           weak=key in rules.weak_items or key.rstrip("s") in rules.weak_items))
    for m in _NUMBERED_ROUNDS_RE.finditer(text):
        if not any(r.start <= m.start("item") < r.end for r in raw):
            raw.append(Mention(m.start("item"), m.end("item"), m.group("item"), "item", "artillery_ammunition", priority=1))
    raw.sort(key=lambda r: r.start)
    merged: list[Mention] = []
    for it in raw:
        gap = text[merged[-1].end:it.start] if merged else ""
        if merged and " for " not in merged[-1].text and (
                re.fullmatch(r"[\s-]*(?:\(\w+\)\s*)?(?:(?<=-)[A-Z0-9]{1,4}\s+)?", gap)
                # "K9 self-propelled howitzers", "FA-50 light combat aircraft": a model, its modifiers, its class noun
                or (merged[-1].priority == 2 and it.priority == 1 and _MODIFIERS_RE.fullmatch(gap))):
            last = merged[-1]
            if it.priority > last.priority or (it.priority == last.priority and it.priority < 2):
                last.code, last.priority = it.code, it.priority
            last.weak = last.weak and it.weak
            last.end, last.text = it.end, text[last.start:it.end]
            continue
        merged.append(it)
    merged = _fold_platforms(text, merged)
    for it in merged:
        model = _MODEL_BEFORE_RE.search(text, max(0, it.start - 16), it.start)
        if it.weak and model:
            # "FA-50 jets", "VN-4 vehicles": a hyphenated model designation makes a generic noun a weapon
            it.start, it.text, it.weak = model.start(), text[model.start():it.end], False
    artillery = any(it.code in ("artillery_ammunition", "artillery_systems") and not _BARE_ROCKET_RE.search(it.text)
                    for it in merged)
    people = any(it.code == "personnel" for it in merged)
    small_arms = any(it.code == "small_arms_light_weapons" and _SMALL_ARMS_RE.search(it.text) for it in merged)
    for it in merged:
        if small_arms and it.code == "artillery_ammunition" and _PLAIN_AMMO_RE.fullmatch(it.text) and not \
                _ARTILLERY_WORD_RE.search(text):
            it.code = "small_arms_light_weapons"  # "9,000 rifles and 700,000 rounds of ammunition": rifle rounds
        if people and it.code == "aircraft" and _BARE_FIGHTER_RE.search(it.text):
            it.code = "personnel"  # "instructors and fighters": people, not jets
        if it.code == "artillery_ammunition" and not artillery and _BARE_ROCKET_RE.search(it.text):
            it.code = "missiles"  # "rockets and missiles", "rockets and drones": not artillery rockets beside shells
        for dem in demonyms:
            gap = text[dem.end:it.start]
            if 0 <= it.start - dem.end <= 30 and re.fullmatch(r"[\s-]*(?:[\w/-]+\s+){0,3}", gap) and not re.search(
                    r"(?i)\b(?:by|of|to|for|from|in|on|with|and|or|that|which|depleted|used|stocks|has|have|had|is|are|was|were)\b", gap) \
                    and not any(rules.cue_res[kind].search(gap) for kind in ("give", "receive", "commit")):
                # "the Philippine Navy received two corvettes": a verb between them ends the noun phrase
                it.origin = dem.code
                it.start, it.text = dem.start, text[dem.start:it.end]
    for first, second in zip(merged, merged[1:]):
        if first.origin and not second.origin and re.fullmatch(r"\s*(?:,\s*|and\s+|or\s+|,\s*and\s+)", text[first.end:second.start]):
            second.origin = first.origin  # "Russian instructors and fighters": the demonym covers both
    return merged


def _fold_platforms(text: str, items: list[Mention]) -> list[Mention]:
    """'munitions for fighter jets', 'parts for a Patriot system': the platform after 'for' is not the item moved.

    Ammunition and parts for a platform keep their own category; missiles for an air-defence system are air defence.
    """
    out: list[Mention] = []
    for it in items:
        prev = out[-1] if out else None
        if prev is not None and re.fullmatch(r"\s+for\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}",
                                             text[prev.end:it.start]) and it.priority > 0:
            if prev.code == "missiles" and it.code == "air_defense":
                prev.code, prev.priority = it.code, max(prev.priority, 1)
            prev.end, prev.text, prev.weak = it.end, text[prev.start:it.end], prev.weak and it.weak
            continue
        out.append(it)
    return out


_BARE_FIGHTER_RE = re.compile(r"(?i)^(?:[\w'’-]+\s+){0,2}fighters?$")
_MODIFIERS_RE = re.compile(r"\s+(?:(?!(?:and|or|to|for|from|with|of|the|a|an|in|on|at|by|as|that|which)\b)[a-z][\w-]*\s+){1,3}")
_MODEL_BEFORE_RE = re.compile(r"(?<![\w-])[A-Z][A-Za-z]{0,3}-\d{1,3}[A-Z]{0,3}(?:/[A-Z]{1,2})?\s+$")
_BARE_ROCKET_RE = re.compile(r"(?i)^(?:[\w-]+\s+){0,2}rockets?$")


_SHIP_NOUN_BEFORE_RE = re.compile(
    r"(?:\b(?:[Aa]n?|[Tt]he|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er|[Oo]ur|[Tt]his|[Tt]hat|[Ee]ach|[Ee]very|[Oo]ne|[Ss]ame|cargo|container|"
    r"supply|naval|navy|war|transport|sanctioned|flagged|[\w-]+-flagged)|\b[A-Z][a-z]+(?:an|ian|ese|ish|ic|i))\s+$")


_NAMED_BODY_AFTER_RE = re.compile(r"\s+(?:Initiative|Fund|Facility|Programme|Program|Act|Group|Command|Mission|Agency|Office|"
                                  r"Bureau|Cell|Centre|Center|Coalition|Conference)\b")


def find_cues(text: str, rules: Rules) -> list[Mention]:
    """Find transfer cues (verbs and nouns) with their frame kind.

    Args:
        text: one sentence.
        rules: compiled lexicons.
    """
    cues = []
    for kind in ("give", "commit", "receive", "arrive", "include", "nominal", "source"):
        for m in rules.cue_res[kind].finditer(text):
            kind_here = kind
            if kind in ("give", "commit", "receive") and _NOUNLIKE_CUES.match(m.group(0)) and \
                    _NOUN_DETERMINER_RE.search(text[max(0, m.start() - 20):m.start()]):
                kind_here = "nominal"  # "a supply of", "the transfer": a noun, not a verb
            if m.group(0).lower() == "ships" and not (
                    re.search(r"[A-Z][\w.]*\s+$", text[:m.start()]) and (re.match(r"\s+(?:[A-Z]|\d|more|another|arms|weapons)", text[m.end():])
                         or rules.item_re.match(text, m.end() + 1))):
                continue  # "Russian ships": the noun
            if kind == "nominal" and m.group(0)[:1].isupper() and _NAMED_BODY_AFTER_RE.match(text, m.end()):
                continue  # "the Ukraine Security Assistance Initiative": a programme's name, not an aid noun
            if m.group(0).lower() == "ship" and _SHIP_NOUN_BEFORE_RE.search(text[max(0, m.start() - 30):m.start()]):
                continue  # "loaded onto a Russian ship", "the cargo ship": the noun
            if kind in ("give", "commit") and re.search(r"(?:ed|en|sent|sold)$", m.group(0)) and re.search(
                    r"(?i)(?:\b(?:the|a|an|of|its|their|all|any|some|these|those)|"
                    r"\b(?:said|says|say|complain\w*|warn\w*|noted|added|argu\w*|claim\w*|believ\w*|show\w*|fear\w*)\s+that)\s+$",
                    text[max(0, m.start() - 24):m.start()]) and not re.search(
                    r"(?i)\b(?:have|has|had|were|are)\s+(?:all|both|each)\s+$", text[max(0, m.start() - 20):m.start()]) and re.match(
                    r"\s+(?!(?:to|by|from|the|a|an|more|another|additional|its|their|over|up|some|dozens|hundreds|thousands|millions|"
                    r"him|her|them|us|it|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty|several|about|around|nearly|"
                    r"almost|roughly|at|on|in|last|this|earlier|so|as|also|and|or|but)\b)[a-z]", text[m.end():]):
                continue  # "promised deliveries", "the pledged aid": an adjective
            cues.append(Mention(m.start(), m.end(), m.group(0), kind_here))
    cues.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[Mention] = []
    for c in cues:
        if kept and c.start < kept[-1].end:
            continue
        kept.append(c)
    return kept


# --------------------------------------------------------------------------------------------
# Sentence analysis

_AUX_RE = re.compile(
    r"(?:\b(?:is|are|was|were|be|been|being|has|have|had|get|gets|got|getting|'s|'ve|'re|would|will|to|"
    r"not|n't|also|already|now|just|reportedly|allegedly|recently|since|then|still|first|both|newly|"
    r"previously|earlier|quietly|secretly|apparently|reported|further|jointly|officially|formally|never|"
    r"and|or|but|it|he|she|they|we|who|which|that|had|has)\s+|\w+ly\s+)$",
    re.IGNORECASE,
)
_PASSIVE_RE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|get|gets|got|getting)\s+(?:\w+ly\s+|not\s+|also\s+|already\s+|now\s+|being\s+|been\s+)*$",
    re.IGNORECASE,
)
_PARTICIPLE_RE = re.compile(r"(?:ed|en|sent|sold|lent|given|bought|shipped|supplied|made|over)$", re.IGNORECASE)
_CLAUSE_BREAK_RE = re.compile(
    r";|:\s|\s[—–]\s|,?\s+(?:while|whereas|but|although|though|even as|meanwhile)\s+|"
    r",\s+(?:saying|adding|insisting|noting|arguing|claiming|warning|citing|explaining|stressing|calling|"
    r"describing|prompting|sparking|drawing|raising|fuelling|fueling|which|who|when|after|before|as|because|"
    r"since|amid|despite|even though|in a sign|in a move|making|bringing)\b"
)
_EXCHANGE_RE = re.compile(r"\b(?:in (?:exchange|return) for|in exchange|in return)\b", re.IGNORECASE)
_EXCHANGE_FOR_RE = re.compile(r"\bin (?:exchange|return) for\b[^,;]*", re.IGNORECASE)
_OWN_DESTINATION_RE = re.compile(
    r"^[^;]*?(?<!according )(?<!close )(?<!closer )\b(?:to|into|toward|towards)\s+(?:(?:the|its|their|his|her|a|an)\s+)?(?!Ukraine|Russia)"
    r"(?:[\w-]+\s+){0,3}(?:front|frontline|front lines?|border|borders|region|area|city|town|base|bases|zone|direction|sector|"
    r"flank|positions?|territory|peninsula|Peninsula|sea|Sea|Ocean|Mediterranean|coast|island|oblast|province|garrison|"
    r"exercises?|drills?|Arctic|Baltic|Pacific)\b",
)
_PERSONNEL_PURPOSE_RE = re.compile(
    r"\b(?:to fight|to help|to assist|to support|to join|to work|to serve|to bolster|to reinforce|alongside|"
    r"fight for|fighting for|for Russia|on behalf of|to aid|to back|to train|to operate|to man|to repair|"
    r"to build|as part of|in support of|under (?:Russian|the) command)\b",
    re.IGNORECASE,
)
_PERSONNEL_RECIPIENT_RE = re.compile(
    r"\b(?:alongside|to help|to assist|to support|to join|to bolster|to reinforce|fight(?:ing)? for|on behalf of|"
    r"in support of|for|to (?:train|fight|serve|work) in)\s+(?:(?:the|eastern|western|southern|northern|far-eastern)\s+)*$",
    re.IGNORECASE)
_SPEECH_VERBS = (
    r"said|says|say|told|tells|added|adds|claimed|claims|stated|states|reported|reports|wrote|writes|noted|notes|"
    r"announced|announces|confirmed|confirms|insisted|insists|alleged|alleges|estimated|estimates|warned|warns|"
    r"revealed|reveals|disclosed|acknowledged|acknowledges|admitted|admits|explained|argued|argues|believes|"
    r"assessed|assesses|concluded|concludes|testified|posted|tweeted|declared|asserted|maintained|maintains|"
    r"rejected|dismissed|refuted|denied|denies|accused|accuses"
)
_SPEECH_AFTER_RE = re.compile(
    rf"[,\"”]\s*(?P<who>[^,\"“”;]{{2,90}}?)\s+(?P<verb>{_SPEECH_VERBS})\b",
)
_SPEECH_BEFORE_RE = re.compile(
    r"(?:^|[,;:]\s+|\bwith\s+|\band\s+|\bas\s+|\bafter\s+|\bthat\s+)(?P<who>(?:[A-Z\"“][^,;\"”]{1,90}?|the [^,;]{2,60}?|"
    r"(?:he|she|they|it)))\s+(?:\w+ly\s+|has\s+|have\s+|had\s+|also\s+|previously\s+|repeatedly\s+|on \w+day\s+)*"
    r"(?P<verb>said|says|say|told|tells|claimed|claims|claiming|claim|stated|states|reported|reports|wrote|"
    r"writes|noted|notes|announced|announces|confirmed|confirms|insisted|insists|alleged|alleges|alleging|"
    r"estimated|estimates|warned|warns|revealed|reveals|disclosed|acknowledged|acknowledges|admitted|"
    r"admits|argued|argues|believes|believe|believed|assessed|assesses|concluded|concludes|testified|"
    r"declared|asserted|maintained|maintains|denied|denies|deny|denying|accused|accuses|accusing|accuse|"
    r"saying|charged|briefed|informed|learned|understands|understood|suspects|suspected|rejected|rejects|"
    r"dismissed|dismisses|refuted|thinks|estimate|assess|confirm|believe|show|shows|showed|indicated|"
    r"indicates|suggested|suggests|found)\b",
)
_ACCORDING_RE = re.compile(r"\b(?:according to|citing|relaying|cited by|quoted by|as reported by|"
                           r"in a (?:statement|report|post) (?:by|from))\s+(?P<who>(?:[^,;.\"”]|\.(?=[A-Za-z])|(?<=\b[A-Z])\.)"
                           r"{2,100})", re.IGNORECASE)
_SAID_WHO_RE = re.compile(r"[,\"”]\s*(?:said|says|according to|added)\s+(?P<who>[A-Z][^,;\"”]{2,80}|the [^,;\"”]{2,80})")
_SPEAKER_AFTER_RE = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+|also\s+)?(?:said|says|say|believes|believe|believed|claimed|claims|alleged|alleges|"
    r"estimated|estimates|reported|reports|assessed|assesses|thinks|suspects)\s+"
    r"(?:has\s+|have\s+|had\s+|was\s+|were\s+|is\s+|are\s+|would\s+|will\s+|been\s+|also\s+|\w+ly\s+)*")
# a speech verb, then a subject noun phrase of its own: the party before the verb only speaks
_SPEAKER_THEN_SUBJECT_RE = re.compile(
    r"\s+(?:[\w-]+\s+){0,3}?(?:has\s+|have\s+|had\s+|also\s+)?(?:said|says|say|told\s+\w+|believes?|believed|claim(?:s|ed)?|"
    r"alleged?|alleges|estimated?|estimates|reported|reports?|assess(?:es|ed)?|thinks?|suspects?)\s+(?:that\s+)?"
    r"(?:the|a|an|this|that)\s+(?:[\w-]+\s+){0,3}?(?:group|rebels?|militants?|militia|movement|network|regime|army|"
    r"forces|military|company|firm|ship|vessel)\s+(?:\w+ly\s+|has\s+|have\s+|had\s+|is\s+|are\s+|was\s+|were\s+|also\s+|"
    r"still\s+|now\s+)*")
_PRONOUN_CLAIMANT = {"he", "she", "they", "it", "we", "i"}
# "according to Yonhap, which cited the spy agency": the claim comes from the source relayed
_RELAYED_SOURCE_RE = re.compile(r",\s*(?:which|who)\s+(?:cited|quoted|relayed)\s+(?P<who>[^,;\"”]{2,100})")
# "citing intelligence", "relaying a briefing": a source with no holder named leaves the speaker the claimant
_BARE_SOURCE_RE = re.compile(r"(?i)^(?:a |an |the |new |recent |classified |declassified |u\.s\. |western )*(?:intelligence|information|"
                             r"data|reports?|a report|briefings?|assessments?|findings|estimates?|documents?|sources?|"
                             r"satellite (?:images|imagery)|images|evidence)(?:\s+(?:assessments?|reports?|sources?))?$")
# headline attribution: "N. Korea Ships Missiles to Russia, Seoul Lawmaker Says"
_HEADLINE_SAYS_RE = re.compile(r",\s+(?P<who>(?:[A-Z][\w.'’-]*\s+){0,4}[A-Z][\w.'’-]*)\s+(?:Says|Say|Said|Claims|says|say|said|claims)"
                               r"[\s\"'”’]*$")
_HEADLINE_DASH_RE = re.compile(r"\S\s+[-–—]\s+(?P<who>(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s*$")
_COORD_RE = re.compile(r"\s*(?:,\s*(?:and\s+|as well as\s+)?|\s+and\s+|\s+or\s+|\s+as well as\s+)(?:the\s+)?\s*$", re.IGNORECASE)


@dataclass
class Context:
    """What the previous sentence offers for pronoun and ellipsis resolution."""

    text: str = ""
    parties: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    claimant: str | None = None
    history: list[tuple[int, Claim]] = field(default_factory=list)  # (sentence number, claim) earlier in the article
    number: int = 0  # this sentence's number in the article


def _clause_bounds(text: str, pos: int, parties: list[Mention], verb_positions: list[int]) -> tuple[int, int]:
    """Span of the clause around pos: cut at ';', ':', dashes, 'while/but', and ', and <Party> <verb>'."""
    start, end = 0, len(text)
    for m in _CLAUSE_BREAK_RE.finditer(text):
        if m.end() <= pos:
            start = max(start, m.end())
        elif m.start() >= pos:
            end = min(end, m.start())
            break
    for p in parties:
        if p.kind not in ("party", "pronoun") or p.prep not in ("and", "with", "as", None):
            continue
        joiner = re.search(r"(?:,\s*|\s)(?:and|while|as|but|with)\s+(?:the\s+)?(?:now\s+)?$", text[max(0, p.start - 16):p.start])
        if not joiner:
            continue
        cut = p.start - len(joiner.group(0))
        has_own_verb = any(p.end <= c <= p.end + 60 for c in verb_positions if c >= 0)
        verb_before = any((c if c >= 0 else -c - 1) < cut for c in verb_positions)
        if not (has_own_verb and verb_before):
            continue
        if pos < cut < end:
            end = cut
        elif start < p.start <= pos:
            start = p.start
    return start, end


def _comma_window(text: str, clause_start: int, pos: int) -> str:
    """Text that governs the cue: back to the previous comma, further when the piece is 'to ...'."""
    before = text[clause_start:pos]
    pieces = re.split(r",\s*|\s[—–]\s", before)
    window = pieces[-1]
    i = len(pieces) - 1
    while i > 0 and (re.match(r"\s*(?:to|including|such as|and|or|in|on|at|for|with|as well as)\b", window)
                     or len(window.split()) <= 2):
        i -= 1
        window = pieces[i] + ", " + window
    return " ".join(window.split()[-14:])


def _resolve_pronoun(pron: Mention, parties: list[Mention], ctx: Context, avoid: str | None = None) -> str | None:
    """Resolve 'it', 'the country', 'its' to the sentence's subject, else the previous sentence's."""
    earlier = [p for p in parties if p.end <= pron.start and p.kind == "party" and p.code and p.code != avoid]
    bare = [p for p in earlier if p.prep is None]
    if earlier and pron.text.lower() in ("it", "they") and pron.prep is None and re.search(
            r"(?i)(?:systems?|weapons|tanks|jets|missiles|drones|shells|aid|ammunition|equipment|rounds|vehicles|package|batter(?:y|ies))"
            r"\s+(?:that\s+|which\s+)?$", pron.before):
        return earlier[-1].code  # "thanked Germany for the IRIS-T systems it has delivered"
    if bare:
        return bare[0].code
    if earlier:
        return earlier[-1].code
    # the previous sentence's subject ("Brazil bought jets from Russia. Its air force ..."): Brazil, not Russia
    subject = next((p for p in ctx.parties if p.kind == "party" and p.code and p.prep is None and p.start <= 12), None)
    if subject is not None and subject.code != avoid:
        return subject.code
    if ctx.claims:
        c = ctx.claims[-1]
        for code in (c.supplier, c.recipient):
            if code and code != avoid:
                return code
    for p in ctx.parties:
        if p.code and p.prep is None and p.code != avoid:
            return p.code
    for p in ctx.parties:
        if p.code and p.code != avoid:
            return p.code
    return None


def _find_claimant(text: str, cue_pos: int, rules: Rules, ctx: Context) -> tuple[str | None, str | None]:
    """Who makes the claim, as written (agencies normalised); returns (claimant, cue)."""
    who, how = None, None
    m = _ACCORDING_RE.search(text)
    if m and _BARE_SOURCE_RE.match(m.group("who").strip()) and re.match(r"(?i)citing|relaying", m.group(0)):
        m = None  # "the Pentagon said, citing intelligence": the Pentagon claims it
    if m:
        who, how = m.group("who"), "according/citing"
        relayed = _RELAYED_SOURCE_RE.match(text, m.end())
        if relayed:
            who, how = relayed.group("who"), "according/relayed"
    if who is None:
        for m in _SPEECH_BEFORE_RE.finditer(text[:cue_pos]):
            cand = m.group("who")
            if re.search(r"\b(?:is|are|was|were|be|been|being|widely|also)$", cand.strip()):
                continue  # "North Korea is believed": a hedge, not a speaker
            if cue_pos - m.end("verb") < 200:
                who, how = cand, f"speech-before:{m.group('verb')}"
    if who is None:
        m = _SPEECH_AFTER_RE.search(text, cue_pos)
        if m:
            who, how = m.group("who"), f"speech-after:{m.group('verb')}"
    if who is None:
        m = _SAID_WHO_RE.search(text, cue_pos)
        if m:
            who, how = m.group("who"), "said-who"
    if who is None:
        m = _HEADLINE_SAYS_RE.search(text, cue_pos) or _HEADLINE_DASH_RE.search(text, cue_pos)
        if m:
            who, how = m.group("who"), "headline-says"
    if who is None:
        return None, None
    who = who.strip(" \"“”'")
    if who.endswith(".") and not re.search(r"\b[A-Z]\.$", who):
        who = who[:-1]
    if len(who.split()) > 5:
        who = re.split(r"\s(?:after|before|when|as|that|since|because|while|and then|days after|weeks after)\s", who)[-1]
    if re.search(r"(?i)\b(?:package|aid|weapons|tranche|assistance|shipment|attack|strike|came|comes)\b", who) and how.startswith("speech-before"):
        return None, None
    who = re.sub(r"^(?:(?:a|an|the)\s+)?(?:(?:closed-door|confidential|classified|parliamentary)\s+)?(?:information|data|intelligence|"
                 r"reports?|statement|figures|documents|briefings?|assessments?|findings)\s+"
                 r"(?:provided by|from|released by|given by|by|of)\s+", "", who, flags=re.IGNORECASE)
    who = re.sub(r"\s+(?:on|last|this|earlier|late|early)\s+(?:\w+day|week|month|year|night|morning)\b.*$", "", who)
    who = re.sub(r"^(?:In|On|At|After|During|Since)\s+[^,]*,\s*", "", who)
    who = re.sub(r"\s+(?:issued|released|put out)\s+(?:a|an|the)\s+(?:joint\s+)?(?:statement|report|communique).*$", "", who)
    bare_who = re.sub(r"\s*\([^)]*\)", "", who)
    for agency_re, name in rules.agencies:
        am = agency_re.search(bare_who)
        if am and (am.end() - am.start()) >= 0.85 * len(bare_who):
            return name, how
    if who.lower() in _PRONOUN_CLAIMANT and ctx.claimant:
        return ctx.claimant, how + ":pronoun"
    if len(who.split()) > 14:
        return None, None
    return who, how


def _sentence_claimant(text: str, rules: Rules, ctx: Context) -> str | None:
    """Speaker of a sentence (for pronoun claimants in the next one)."""
    who, _ = _find_claimant(text, len(text), rules, ctx)
    if who is None:
        m = _SPEECH_AFTER_RE.search(text)
        who = m.group("who").strip() if m else None
    return who


@dataclass
class Frame:
    """Supplier/recipient decision for one cue (lists, for coordinated parties)."""

    suppliers: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_passive(text: str, cue: Mention) -> bool:
    """True when the cue verb is a passive participle ('were sent', 'has been delivered')."""
    first = cue.text.split()[0]
    return bool(_PARTICIPLE_RE.search(first)) and bool(_PASSIVE_RE.search(text[max(0, cue.start - 40):cue.start]))


def _is_reduced_relative(text: str, cue: Mention, items: list[Mention], parties: list[Mention]) -> bool:
    """True for a participle modifying a noun: 'missiles supplied by Britain' (supply presupposed)."""
    if cue.kind not in ("give", "commit") or not _PARTICIPLE_RE.search(cue.text.split()[0]):
        return False
    before = text[:cue.start]
    if _AUX_RE.search(before):
        return False
    if any(p.kind in ("party", "pronoun") and 0 <= cue.start - p.end <= 2 for p in parties):
        return False  # "Britain supplied"
    prev = re.search(r"([\w'’)]+)\s*,?\s*$", before)
    if not prev:
        return False
    if re.match(r"\s+(?:by|from)\b", text[cue.end:]) and prev.group(1)[0].islower():
        return True  # "information provided by Seoul's spy agency", "tanks promised by Germany"
    return any(0 <= cue.start - it.end <= 3 for it in items) or prev.group(1).lower() in (
        "those", "ones", "weapons", "equipment", "hardware", "systems", "arms", "supplies", "aid", "package")


def _coordinated(p: Mention, parties: list[Mention], text: str) -> list[Mention]:
    """p plus the parties joined to it by 'and', commas or 'jointly with' (to its right and left)."""
    group = [p]
    named = [q for q in parties if q.kind == "party"]
    idx = next((i for i, q in enumerate(named) if q is p), None)
    if idx is None:
        return group
    j = idx
    while j + 1 < len(named) and _COORD_RE.fullmatch(text[named[j].end:named[j + 1].start] + " ") is not None:
        gap = text[named[j].end:named[j + 1].start]
        if named[j + 1].possessive or re.search(r"(?i)\bwith\b", gap):
            break
        if re.fullmatch(r"\s*,\s*", gap):
            # a bare comma joins only a list that ends in "and": "Norway, Spain and Italy"
            if not _list_ends_in_and(text, named, j + 1):
                break
        group.append(named[j + 1])
        j += 1
    j = idx
    while j > 0 and _COORD_RE.fullmatch(text[named[j - 1].end:named[j].start] + " ") is not None and named[j - 1].prep in (None, p.prep):
        group.insert(0, named[j - 1])
        j -= 1
    return group


def _list_ends_in_and(text: str, named: list[Mention], k: int) -> bool:
    """Whether the comma list going on from named[k] closes with 'and' ("Algeria, Belarus, Bangladesh and Myanmar")."""
    while k + 1 < len(named):
        gap = text[named[k].end:named[k + 1].start]
        if re.fullmatch(r"\s*,?\s+and\s+(?:the\s+)?", gap):
            return True
        if not re.fullmatch(r"\s*,\s*(?:the\s+)?", gap) or named[k + 1].possessive:
            return False
        k += 1
    return False


def _codes(group: list[Mention], parties: list[Mention], ctx: Context, avoid: str | None = None) -> list[str]:
    """Codes of a group of mentions, resolving pronouns, without duplicates."""
    out = []
    for p in group:
        c = _resolve_pronoun(p, parties, ctx, avoid) if p.kind == "pronoun" else p.code
        if c and c not in out:
            out.append(c)
    return out


def _frame(text: str, cue: Mention, lo: int, hi: int, parties: list[Mention], items: list[Mention],
           ctx: Context, passive: bool) -> Frame:
    """Decide suppliers and recipients for a cue inside clause [lo, hi)."""
    f = Frame()
    deferred_object = None
    usable = [p for p in parties if p.kind in ("party", "pronoun") and (lo <= p.start < hi or p.end <= lo)]
    left = [p for p in usable if lo <= p.start and p.end <= cue.start]
    right = [p for p in usable if cue.end <= p.start and p.end <= hi]
    kind = cue.kind
    receiving = kind in ("receive", "source") or (kind == "nominal" and re.match(r"(?i)(?:purchase|acquisition|import)", cue.text))
    if kind == "receive" and re.match(r"(?i)(?:buy|bought|purchas|procur)", cue.text) and any(
            p.kind == "party" and (p.prep == "for" or (p.prep is None and not p.possessive and not text[cue.end:p.start].strip()))
            for p in right):
        kind, receiving = "give", False  # "to buy Ukraine shells", "buy shells for Kyiv": the buyer supplies
        f.notes.append("frame:buying-for")

    # indirect object right after the verb: "sent Russia shells", "supplying Moscow with drones"
    if right and kind in ("give", "commit") and not passive:
        p = right[0]
        if p.prep is None and re.fullmatch(r"\s*(?:the\s+)?", text[cue.end:p.start]) and not p.possessive:
            if p.kind == "pronoun":
                deferred_object = p  # resolved once the subject is known ("Tehran began supplying it")
            else:
                group = _coordinated(p, usable, text)
                f.recipients = _codes(group, parties, ctx)
                f.notes.append(f"recipient:indirect-object:{p.text}")
    if right and receiving and right[0].possessive and right[0].kind == "party" and re.fullmatch(r"\s*(?:the\s+)?", text[cue.end:right[0].start]):
        f.suppliers = _codes([right[0]], parties, ctx)
        f.notes.append(f"supplier:possessive-object:{right[0].text}")
    inner = [p for p in usable if cue.start < p.start and p.end <= cue.end and p.kind == "party"]
    if inner and kind == "give" and not passive and not f.recipients:
        f.recipients = _codes(inner[:1], parties, ctx)
        f.notes.append(f"recipient:inside-cue:{inner[0].text}")
    if inner and kind == "receive" and not passive and re.match(r"(?i)turn|rel[yi]|source|(?:heavily |largely |entirely )?depend", cue.text):
        f.suppliers = _codes(inner[:1], parties, ctx)  # "turned to Iran for drones", "relied on China for chips"
        f.notes.append(f"supplier:inside-cue:{inner[0].text}")
    if kind == "arrive" and right and (right[0].prep or "").lower() in ("", "toward", "towards") and re.match(r"(?i)reach|made it|flow", cue.text) and \
            not text[cue.end:right[0].start].strip(" the"):
        f.recipients = _codes([right[0]], parties, ctx)  # "shells reach Ukraine"
        f.notes.append(f"recipient:reach:{right[0].text}")
    # explicit prepositions
    for p in right + left:
        if p.kind == "pronoun" and p.possessive and not rules_body_after(text, p):
            continue  # "from its own stocks", "for its weapons": the owner of a noun, not a side
        if p.prep == "from" and not f.suppliers:
            f.suppliers = _codes(_coordinated(p, usable, text), parties, ctx)
            f.notes.append(f"supplier:from:{p.text}")
        elif p.prep == "by" and kind in ("nominal", "arrive", "include") and not f.recipients and _BOUGHT_BY_RE.search(
                text, max(0, p.start - 30), p.start):
            f.recipients = _codes(_coordinated(p, usable, text), parties, ctx)  # "jets bought by Argentina arrived"
            f.notes.append(f"recipient:bought-by:{p.text}")
        elif p.prep == "by" and (passive or kind in ("nominal", "arrive", "include")) and not f.suppliers and p.start > cue.start - 60:
            f.suppliers = _codes(_coordinated(p, usable, text), parties, ctx)
            f.notes.append(f"supplier:by:{p.text}")
        elif p.prep in ("to", "for", "into") and not f.recipients and (not receiving or (p.prep == "for" and kind == "nominal")) and \
                (p.start > cue.start or kind in ("nominal", "arrive", "include")):
            if re.search(r"\b(?:(?:use|used|war|fight|fighting)\s+(?:in|against)|(?:threat|according|due|close|closer|nearer|next|similar|"
                         r"compared|equivalent|sufficient)\s+(?:to|for))\s+(?:the\s+)?$", text[max(0, p.start - 30):p.start]):
                continue
            f.recipients = _codes(_coordinated(p, usable, text), parties, ctx)
            f.notes.append(f"recipient:{p.prep}:{p.text}")
        elif p.prep == "in" and kind == "arrive" and not f.recipients and p.start > cue.start:
            f.recipients = _codes([p], parties, ctx)
            f.notes.append(f"recipient:in:{p.text}")
    # subject: the closest bare party left of the cue (or the subject of an earlier coordinated verb)
    subject = None
    gerund_bare = False
    if cue.text.lower().endswith("ing") and kind in ("give", "commit", "receive"):
        prev = text[max(0, cue.start - 30):cue.start]
        if re.search(r"(?i)(?:^|[,;:(]|\b(?:that|of|for|against|about|on|by|without|from|in|after|before|like|over|than|"
                     r"while|when|or|but|is|are|was|were|means|mean|meant|risk|risks|idea|cost|costs))\s*$", prev) and not \
                re.search(r"(?i)\b(?:been|be|began|begun|begin|begins|started|start|starts|continue[sd]?|kept|keeps|keep|"
                          r"resumed|stopped|halted|denied|denies|deny|admitted|admits|avoid(?:ed|s)?|is|are|was|were)\s+$", prev):
            gerund_bare = True
            owner = [p for p in left if p.kind in ("party", "pronoun") and re.fullmatch(r"(?:['’]s)?\s+(?:of\s+)?", text[p.end:cue.start])]
            main = [p for p in usable if p.prep is None and p.end <= cue.start and not p.possessive]
            if owner:
                subject = owner[-1]  # "accused Iran of supplying", "North Korea supplying arms"
                f.notes.append("subject:gerund-owner")
            elif re.search(r",\s*(?:also\s+|\w+ly\s+)?$", prev) and main and main[0].start < 40 and \
                    re.match(r"\s+(?:has|have|had|is|are|was|were|also|\w+ed)\b", text[main[0].end:]):
                subject = main[0]  # the participle shares the main clause's subject
                f.notes.append("subject:participial-clause")
            elif re.search(r"(?i)\b(?:accused|suspected|alleged|charged|blamed|sanctioned|penali[sz]ed)\s+(?:\w+\s+){0,2}(?:of|for|with)\s*$", prev):
                accused = [p for p in left if p.kind in ("party", "pronoun") and p.prep is None and re.fullmatch(
                    r"\s+(?:has\s+|have\s+|had\s+|is\s+|are\s+|was\s+|were\s+|been\s+|being\s+|also\s+|\w+ly\s+)*"
                    r"(?:accused|suspected|alleged|charged|blamed|sanctioned|penali[sz]ed)\s+(?:\w+\s+){0,2}(?:of|for|with)\s*",
                    text[p.end:cue.start])]
                if accused:
                    subject = accused[-1]  # "China has been accused of supplying"
                    f.notes.append("subject:accused-of")
    vp_coord = re.search(r"(?i)\band\s+(?:has\s+|have\s+|had\s+|also\s+|is\s+|was\s+|will\s+|\w+ly\s+)*$", text[lo:cue.start])
    if vp_coord and kind in ("give", "commit", "receive"):
        first_bare = [p for p in usable if p.prep is None and p.kind == "party" and p.end <= cue.start]
        if first_bare:
            subject = first_bare[0]
            f.notes.append("subject:coordinated-verb")
    asides = [(m.start(), m.end()) for m in _RELATIVE_ASIDE_RE.finditer(text, 0, cue.start)]
    head = next((a for a, b in asides if re.fullmatch(r"\s*(?:(?:has|have|had|is|are|was|were|will|would|also|\w+ly)\s+)*",
                                                       text[b:cue.start])), None)
    if head is not None and not gerund_bare and subject is None:
        owner = [p for p in parties if p.kind == "party" and p.prep is None and 0 <= head - p.end <= 2]
        if owner:
            subject = owner[-1]  # "Iran, which backs Hamas, has supplied": the head noun is the subject
            f.notes.append("subject:head-of-relative")
    for p in ([] if (subject is not None or gerund_bare) else reversed(left)):
        if p.kind == "pronoun" and p.possessive and not rules_body_after(text, p):
            continue
        if any(a <= p.start < b for a, b in asides):
            continue  # "Iran, which backs Hamas, has supplied ...": Hamas is not the subject
        if p.prep == "with" and re.fullmatch(r"\s+(?:\w+ly\s+)?(?:\w+ing\s+(?:to\s+(?:have\s+)?)?)?", text[p.end:cue.start]):
            subject = p  # absolute clause: "with Pyongyang appearing to receive ..."
            break
        if p.prep in ("after", "before", "since", "until", "as", "once") and re.fullmatch(
                r"\s+(?:\w+ly\s+|has\s+|have\s+|had\s+|is\s+|was\s+|will\s+|would\s+|also\s+|finally\s+)*", text[p.end:cue.start]):
            subject = p  # "days after Washington announced"
            break
        if p.prep is not None and p.prep != "and":
            continue
        if p.end < cue.start and _SPEAKER_AFTER_RE.fullmatch(text, p.end, cue.start):
            continue  # "companies that the US said had shipped": the US is the claimant, not the subject
        if p.end < cue.start and _SPEAKER_THEN_SUBJECT_RE.fullmatch(text, p.end, cue.start):
            continue  # "U.S. officials say the group relies on Iran": the speaker's state is no side
        subject = p
        break
    if subject is None and not gerund_bare and kind in ("give", "commit", "receive") and not passive and lo > 0:
        earlier = [p for p in usable if p.end <= lo and p.prep is None]
        if earlier and re.fullmatch(r"\s*(?:,\s*)?(?:but|and|while)?\s*(?:also\s+|then\s+|later\s+|has\s+|have\s+|had\s+|is\s+|"
                                    r"are\s+|was\s+|will\s+|would\s+|\w+ly\s+)*", text[lo:cue.start]) and \
                not any(lo <= p.start < cue.start for p in usable):
            subject = earlier[0]
            f.notes.append("subject:earlier-clause")
            if not f.recipients and kind in ("give", "commit"):
                dest = [p for p in usable if p.end <= lo and p.prep in ("to", "for") and p.kind == "party"]
                if dest:
                    f.recipients = [dest[0].code]
                    f.notes.append(f"recipient:earlier-clause:{dest[0].text}")
    if subject is not None and passive and any(it.start <= subject.start < it.end for it in items):
        subject = None  # "North Korean soldiers are being sent": the subject is the item
    if subject is not None:
        group = _coordinated(subject, usable, text) if subject.kind == "party" else [subject]
        avoid = f.recipients[0] if f.recipients else None
        codes = _codes(group, parties, ctx, avoid if subject.kind == "pronoun" else None)
        owner_of_item = subject.possessive and any(0 <= it.start - subject.end <= 3 for it in items)
        if codes:
            between = text[subject.end:cue.start]
            if kind == "nominal" and not subject.possessive:
                if re.search(r"(?i)\b(?:received|receive|receiving|took delivery of|taking delivery of|bought|purchased|acquired)\b", between):
                    if not f.recipients:
                        f.recipients = codes
                        f.notes.append(f"recipient:subject-of-receipt:{subject.text}")
                elif re.search(r"(?i)\b(?:made|make|makes|making|carried out|conducted|completed|announc\w*|approv\w*|unveil\w*|"
                               r"pledg\w*|sign\w*|sent|send\w*|deliver\w*|provid\w*|resum\w*|began|begun|stepped up|agre\w*|reprioriti[sz]\w*|"
                               r"expedit\w*|accelerat\w*|speed\w* up|sped up|"
                               r"finali[sz]\w*|authori[sz]\w*|organi[sz]\w*|arrang\w*)\b", between):
                    if not f.suppliers:
                        f.suppliers = codes
                        f.notes.append(f"supplier:subject-of-governor:{subject.text}")
            elif kind == "nominal" and subject.possessive:
                if re.search(r",\s*(?:and|but|while)\b|\b(?:say|says|said)\b", text[subject.end:cue.start]):
                    pass  # "Pakistan's economy ..., and analysts say arms exports": the owner is of another clause
                elif receiving and not f.recipients:
                    f.recipients = codes
                    f.notes.append(f"recipient:possessive:{subject.text}")
                elif not receiving and not f.suppliers:
                    f.suppliers = codes
                    f.notes.append(f"supplier:possessive:{subject.text}")
            elif receiving and not passive:
                if not f.recipients:
                    f.recipients = codes
                    f.notes.append(f"recipient:subject:{subject.text}")
            elif passive and not receiving:
                near = re.fullmatch(r"\s*(?:\w+ly\s+|has\s+|have\s+|had\s+|is\s+|are\s+|was\s+|were\s+|been\s+|being\s+|be\s+|will\s+|also\s+|now\s+|already\s+)*",
                                    text[subject.end:cue.start])
                if owner_of_item and not f.suppliers:
                    f.suppliers = codes
                    f.notes.append(f"supplier:possessive:{subject.text}")
                elif not f.recipients and near and re.match(r"(?i)(?:given|promised|offered|sent|supplied|provided|handed|pledged|lent|loaned|sold|equipped|armed|gifted|delivered)", cue.text):
                    f.recipients = codes
                    f.notes.append(f"recipient:passive-subject:{subject.text}")
            elif kind in ("arrive", "include"):
                pass
            elif not f.suppliers:
                f.suppliers = codes
                f.notes.append(f"supplier:subject:{subject.text}")
    if kind == "nominal" and not f.suppliers:
        for p in left:
            if p.kind == "party" and re.fullmatch(r"(?:['’]s)?\s+(?:(?:military|security|defen[cs]e|weapons|arms|lethal|total|new|"
                                                  r"additional|further|latest)\s+)*", text[p.end:cue.start]) and p.code not in f.recipients:
                f.suppliers = [p.code]  # "U.S. military aid to Ukraine"
                f.notes.append(f"supplier:modifier:{p.text}")
    if deferred_object is not None and not f.recipients:
        code = _resolve_pronoun(deferred_object, parties, ctx, f.suppliers[0] if f.suppliers else None)
        if code:
            f.recipients = [code]
            f.notes.append(f"recipient:indirect-object:{deferred_object.text}")
    if kind in ("give", "commit") and not f.recipients and not passive:
        for p in right:
            if p.kind == "party" and p.possessive and any(0 <= it.start - p.end <= 3 for it in items):
                f.recipients = [p.code]  # "supplying half of Russia's ammunition needs"
                f.notes.append(f"recipient:possessive-of-item:{p.text}")
                break
    if kind in ("give", "commit", "nominal") and f.suppliers:
        for p in usable:
            if p.kind == "party" and lo <= p.start < hi and re.search(
                    r"(?i)\b(?:jointly|together|in cooperation|in partnership|in coordination|along)\s+with\s+(?:the\s+)?$",
                    text[max(0, p.start - 30):p.start]):
                if p.code in f.recipients:
                    f.recipients.remove(p.code)
                if p.code not in f.suppliers:
                    f.suppliers.append(p.code)
                    f.notes.append(f"supplier:jointly-with:{p.text}")
    return f


_RELATIVE_ASIDE_RE = re.compile(r",\s*(?:which|who|whose|whom)\b[^,;]{0,120},")


def rules_body_after(text: str, p: Mention) -> bool:
    """True when a possessive pronoun heads a body word: "its military", "their forces"."""
    return bool(re.match(r"\s+(?:military|army|armed forces|forces|troops|government|navy|air force|defen[cs]e ministry)\b", text[p.end:]))


def _pick_item(text: str, items: list[Mention], cue: Mention, lo: int, hi: int, sides_order: str,
               relative_ok: bool = True) -> Mention | None:
    """Choose the item the cue moves: the first specific item on the preferred side, else a generic one."""
    exchange = _EXCHANGE_FOR_RE.search(text, cue.end, hi)
    right_end = exchange.start() if exchange else hi
    excluded = [(m.start(), m.end()) for m in _EXCHANGE_FOR_RE.finditer(text, lo, cue.start)]
    right = [it for it in items if cue.end <= it.start < right_end]
    left = [it for it in items if lo <= it.start and (it.end <= cue.start or (cue.kind in ("nominal", "include") and it.start < cue.start))
            and not any(s <= it.start < e for s, e in excluded)]
    left = list(reversed(left))
    sides = {"right": (right,), "left": (left,), "right-left": (right, left), "left-right": (left, right)}[sides_order]
    for side in sides:
        if not side:
            continue
        if side is left and sides_order == "right-left" and cue.kind in ("give", "commit") and not relative_ok:
            continue
        first = side[0]
        if first.priority > 0:
            return first
        for it in side[1:]:
            between = text[min(first.end, it.start):max(first.end, it.start)]
            if it.priority > 0 and len(between) <= 70 and re.search(
                    r"(?i)(?:\bincluding|\bsuch as|\blike|\bamong them|\bnotably|\bin particular|\bnamely|:|—|–|\bin the form of|"
                    r"\bmainly|\bmostly|\bprimarily|\bchiefly|\bespecially)", between) and not re.search(
                    r"\b(?:saying|which|that|who|while|as|after|before|because)\b", between):
                return it
        return first
    return None


def _status(window: str, cue: Mention, rules: Rules) -> tuple[str, str]:
    """Delivered or committed, with the cue that decided."""
    if cue.kind in ("arrive", "source"):
        return "delivered", f"status:{cue.kind}:{cue.text}"
    if cue.kind == "commit":
        return "committed", f"status:commit-verb:{cue.text}"
    if cue.kind == "receive" and re.match(r"(?i)order", cue.text):
        return "committed", f"status:order:{cue.text}"  # an order is a commitment; delivery comes later
    m = rules.blockers["commit_modifiers"].search(window)
    if m:
        return "committed", f"status:{m.group(0)}"
    return "delivered", "status:default-delivered" if cue.kind != "include" else "status:package-contents"


def _stance(sentence: str, lo: int, hi: int, window: str, cue: Mention, rules: Rules, negated: bool) -> tuple[str, str]:
    """Affirmed, hedged or denied, with the cue that decided."""
    before = sentence[:cue.start]
    if negated:
        return "denied", "stance:denied:negation-reported"
    for m in rules.blockers["deny"].finditer(window):
        word = m.group(0).lower()
        if word in ("not", "n't", "never", "no longer", "no evidence"):
            continue
        if re.search(r"\bdespite\s+(?:\w+['’]s\s+)?(?:\w+\s+)?$", window[:m.start()]):
            continue
        return "denied", f"stance:denied:{m.group(0)}"
    deny_verb = re.search(r"\b(?:den(?:y|ies|ied|ying)|rejected (?:[\w'\"‘’“”]+ ){0,3}(?:claims?|allegations?|accusations?|reports?)|"
                          r"dismissed (?:[\w'\"‘’“”]+ ){0,3}(?:claims?|allegations?|reports?)|refuted|no evidence)\b", before, re.IGNORECASE)
    if deny_verb and not re.search(r"\bdespite\s+(?:\w+\s+){0,2}$", before[:deny_verb.start()]):
        return "denied", f"stance:denied:{deny_verb.group(0)}"
    m = _DENIED_AFTER_RE.search(sentence, cue.end)
    if m:
        return "denied", f"stance:denied-after:{m.group(0)[:30]}"
    m = rules.blockers["hedge"].search(sentence, lo, hi)
    if m:
        return "hedged", f"stance:hedged:{m.group(0)}"
    return "affirmed", "stance:affirmed"


_DENIED_AFTER_RE = re.compile(
    r"(?i),\s*(?:(?:a|an)\s+(?:claim|allegation|accusation|charge|report|assertion)s?\s+(?:that\s+)?|which\s+)"
    r"(?:[\w.'’-]+\s+){1,4}(?:has\s+|have\s+|had\s+)?(?:also\s+|repeatedly\s+|strongly\s+)?"
    r"(?:denies|denied|deny|rejects|rejected|dismissed|dismisses|disputes|disputed)\b")


def _blocked(window: str, clause_before: str, after: str, rules: Rules, cue_text: str = "") -> str | None:
    """Reason to stay silent about this cue (request, refusal, conditional, speculation), else None."""
    window = re.sub(r"\bif (?:confirmed|true|verified|accurate)\b", "", window, flags=re.IGNORECASE)
    if _NOT_BEFORE_RE.search(f"{window} {cue_text}{after}"):
        window = re.sub(r"(?i)\s+not\b|n't\b", "", window)  # "would not arrive before 2025" is a delay, not a refusal
    for kind in ("request", "refusal", "conditional"):
        m = rules.blockers[kind].search(window)
        if m:
            return f"{kind}:{m.group(0)}"
    m = rules.blockers["modal"].search(window)
    if m:
        return f"speculation:{m.group(0)}"
    m = _UNKNOWN_RE.search(clause_before)
    if m:
        return f"unknown:{m.group(0)}"
    m = re.search(r"(?<![\w-])(?:if|unless|whether)(?![\w])", clause_before, re.IGNORECASE)
    if m:
        return f"conditional:{m.group(0)}"
    # "on condition that they are not sent to Ukraine": an end-use restriction, the sale itself is not conditional
    after = _END_USE_CONDITION_RE.sub("", after)
    m = rules.blockers["after_condition"].search(after)
    if m:
        return f"conditional-after:{m.group(0)}"
    return None


_END_USE_CONDITION_RE = re.compile(
    r"(?i)\b(?:on (?:the )?condition|provided|as long as)\s+(?:that\s+)?(?:[\w-]+\s+){1,3}?(?:are|is|will|would|were|be|must|can)?\s*"
    r"(?:not|never|n't|only)\s+(?:be\s+)?(?:sent|passed|transferred|re-?exported|exported|handed|given|used|delivered|supplied|sold)\b.*$")


_UNKNOWN_RE = re.compile(
    r"(?i)\b(?:(?:no|not\s+(?:\w+\s+){0,2}(?:found|seen)|found\s+no|seen\s+no|little|lack\s+of|without)\s+(?:\w+\s+)?evidence\s+(?:that|of)|"
    r"(?:not\s+(?:\w+\s+){0,2}(?:disclosed?|said|say|revealed?|specified|specify|confirmed?)|unclear|unknown|"
    r"declined\s+to\s+(?:say|specify|disclose|confirm)|would\s+not\s+say|did\s+not\s+say)\s+"
    # "how many/how much/when" leaves only the amount or the date open: the transfer itself is still told
    r"(?:where|how(?!\s+(?:many|much|soon|quickly)\b)|what|which|whether|if|who))\b")


_NOT_BEFORE_RE = re.compile(r"(?i)\b(?:will|would|did|does|do|is|are|was|were|wo|could)(?:\s+not|n't)\s+(?:\w+\s+){0,2}?"
                            r"(?:arrive|be (?:delivered|sent|shipped|handed over)|reach \w+)\s+(?:[\w-]+\s+){0,3}?(?:before|until)\b")


def _negation(text: str, lo: int, cue: Mention, after: str) -> str | None:
    """'not'/'never' governing the cue, or a 'no' object ('received no shells')."""
    if re.match(r"(?i)\s+(?:[\w-]+\s+){0,3}?(?:before|until)\b", after) and re.search(
            r"(?i)\b(?:not|n't)\s+(?:\w+\s+){0,2}$", text[max(lo, cue.start - 40):cue.start]):
        return None  # "would not arrive before 2025": a delay
    m = re.search(r"(?i)\b(not|n't|never|no longer)\s+(?:\w+\s+){0,2}$", text[max(lo, cue.start - 40):cue.start])
    if m:
        return m.group(1)
    m = re.match(r"(?i)\s+(?:no|none)\b", after)
    return m.group(0).strip() if m else None


_ABBREVIATED_STATE_RE = re.compile(r"U\.S\.|US|U\.K\.|UK")
_GIVE_BEFORE_RE = re.compile(r"(?i)\b(?:give|gives|gave|giving|send|sends|sent|sell|sells|sold|supply|supplied|provide|provided|"
                             r"offer|offered|lend|lent|to|for|from|by|with)\s+(?:the\s+)?$")


def _mark_attributive_origin(text: str, items: list[Mention], parties: list[Mention]) -> list[Mention]:
    """'U.S. Abrams tanks', 'UK Storm Shadow missiles': an abbreviated state name right before an item marks its origin."""
    for p in parties:
        if p.kind != "party" or p.possessive or not _ABBREVIATED_STATE_RE.fullmatch(p.text) or \
                _GIVE_BEFORE_RE.search(text[max(0, p.start - 24):p.start]):
            continue
        for it in items:
            if it.origin is None and it.start > p.end and not text[p.end:it.start].strip():
                it.origin, it.start, it.text = p.code, p.start, text[p.start:it.end]
    for it in items:
        maker = _MADE_BY_RE.match(text, it.end)
        if it.origin is None and maker:
            # "Anka drones made by state-owned Turkish Aerospace": the maker's state is the origin
            it.origin = next((p.code for p in parties if p.kind == "party" and p.code and p.start == maker.end()), None)
    return items


_MADE_BY_RE = re.compile(r"(?i),?\s+(?:made|built|produced|manufactured|developed|designed)\s+(?:by|in)\s+"
                         r"(?:(?:the\s+)?(?:state-owned|state-run|private|defen[cs]e\s+(?:firm|company|contractor)|company|firm)\s+)?")


def _article_is_military(ctx: Context, rules: Rules) -> bool:
    """A transfer claim in the last three sentences, or military words just before, make 'jets' and 'systems' military."""
    if ctx.history and ctx.number - ctx.history[-1][0] <= 3:
        return True
    if not ctx.text:
        return False
    # a weapon named just before ("can carry bombs and rockets") makes "the aircraft" in this sentence military
    return bool(rules.military_re.search(ctx.text)) or any(
        it.priority > 0 and not it.weak for it in find_items(ctx.text, rules, []))


def analyse_sentence(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """Find the transfer claims in one sentence (offsets are filled in by the caller).

    Args:
        sentence: the sentence text.
        ctx: the previous sentence, for pronouns and ellipsis.
        rules: compiled lexicons.
    """
    if sentence.rstrip(" \"'”’)").endswith("?"):
        return []  # questions do not assert a transfer
    text = _mask_dateline(sentence)
    cues = find_cues(text, rules)
    implicit = _implicit_trigger(text)
    if not cues and not implicit:
        return []
    parties = find_parties(text, rules)
    if ctx.claimant and not any(p.text.lower() in ("we", "us") for p in parties) and _FIRST_PERSON_RE.search(text):
        known = [p for p in find_parties(ctx.claimant, rules) if p.kind == "party" and p.code]
        if known:
            parties = sorted(parties + first_person_parties(text, parties, known[0].code), key=lambda x: (x.start, x.kind))
    items = _mark_attributive_origin(text, find_items(text, rules, [p for p in parties if p.kind == "demonym"]), parties)
    names = [(p.start, p.end) for p in parties if p.priority == 1]
    civil = [(m.start(), m.end()) for m in rules.blockers["non_military"].finditer(text)]
    verbs = [(c.start, c.end) for c in cues if c.kind in ("give", "commit", "receive")]
    items = [_trim_after_verbs(text, it, verbs) for it in items]
    items = [it for it in items if not any(s <= it.start and it.end <= e for s, e in names + civil + verbs)]
    # "flown them against Russian cruise missiles and drones": what a weapon is used against is not moved
    items = [it for it in items if not _AGAINST_BEFORE_RE.search(text, max(0, it.start - 60), it.start)]
    # "the ammunition needed by the Ukrainian army": a body of a state after a preposition is a side, not the item
    bodies = [(p.start, p.end) for p in parties if p.kind == "party" and p.priority == 0 and p.prep in ("by", "for", "to", "of")]
    items = [it for it in items if not (it.weak and it.code == "personnel" and (it.start, it.end) in bodies)] or items
    if not items and not civil:
        items = _partitive_items(text, ctx, rules)
    if not items and not civil:
        items = _money_items(text, parties, ctx) or _arming_items(text, cues, parties)
    elif not civil:
        items = _add_clause_arming(text, items, _arming_items(text, cues, parties))
    quoted = [(m.start(), m.end()) for m in _ACCORDING_RE.finditer(text)]
    cues = [c for c in cues if not any(s <= c.start < e for s, e in quoted)]
    if not cues:
        return _implicit_claims(text, sentence, parties, items, ctx, rules) if implicit else []
    if not items:
        for cue in cues:
            if cue.kind in ("arrive", "include"):
                lo, hi = _clause_bounds(text, cue.start, parties, [])
                found = _anaphoric_claims(text, sentence, cue, lo, hi, parties, ctx, rules)
                if found:
                    return found
        return _implicit_claims(text, sentence, parties, items, ctx, rules) if implicit else []
    role_parties = [p for p in parties if not any(s <= p.start < e for s, e in quoted)]
    military = bool(rules.military_re.search(text)) or any(it.priority > 0 and not it.weak for it in items) or \
        _article_is_military(ctx, rules)
    verb_positions = [c.start for c in cues if c.kind in ("give", "commit", "receive", "arrive", "source")]
    verb_positions += [m.start() for m in rules.blockers["use"].finditer(text)]
    # speech verbs only count as a verb *before* a joiner: stored negated so they never open a clause
    verb_positions += [-m.start() - 1 for m in rules.blockers["speech"].finditer(text)]
    claims: list[Claim] = []
    for cue in cues:
        claims += _claims_for_cue(text, sentence, cue, role_parties, items, ctx, rules, military, verb_positions, claims)
    claims = _merge_claims(claims) or _implicit_claims(text, sentence, parties, items, ctx, rules)
    for c in claims:
        _fill_actor_supplier(c, text, parties)
        _fill_from_article(c, text, ctx)
        _fill_maker_state(c, text, rules)
        _prefer_label_item(c, text, rules, parties)
        _name_group_member(c, text, parties)
    claims += _elliptic_clause_claims(text, claims, parties, rules)
    claims = [c for c in claims if not _own_forces_in_alliance(c, rules, text)]
    claims = _merge_claims([c for c in map(_drop_non_state, _merge_claims(claims)) if c.supplier or c.recipient])
    return _merge_claims(_share_coordinated_sides(claims))


def _share_coordinated_sides(claims: list[Claim]) -> list[Claim]:
    """'The US announced a package that includes interceptors and ammunition': the listed items share the sides."""
    for c in claims:
        if not any(x.startswith("item:coordinated:") for x in c.cues):
            continue
        for m in claims:
            if m is c or c.cues[0] not in m.cues:
                continue
            if c.supplier is None and m.recipient == c.recipient and m.supplier:
                c.supplier = m.supplier
            if c.recipient is None and m.supplier == c.supplier and m.recipient:
                c.recipient = m.recipient
    return claims


_AGAINST_BEFORE_RE = re.compile(r"\bagainst\s+(?:(?:the|a|an|incoming|enemy|Russian|Iranian|North Korean|hostile)\s+)?"
                                r"(?:[\w-]+\s+){0,2}(?:(?:and|or|,)\s+(?:[\w-]+\s+){0,2})?$")
_DEPLOY_CUE_RE = re.compile(r"(?i)^cue:give:(?:re)?deploy|^cue:give:station")


_OWN_WEAPONS_MOVED_RE = re.compile(
    r"(?i)\b(?:deploy\w*|redeploy\w*|mov(?:e|es|ed|ing)|station\w*|relocat\w*)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:(?:its|their)\s+(?:own\s+)?|(?:tactical\s+|strategic\s+)?nuclear\s+(?:weapons|warheads|arms|missiles))")


def _own_forces_in_alliance(claim: Claim, rules: Rules, text: str = "") -> bool:
    """'Germany deployed Patriot units to Slovakia', 'Russia moved its nuclear weapons to Belarus': own forces, no transfer."""
    deployed = any(_DEPLOY_CUE_RE.match(cue) for cue in claim.cues)
    if deployed and claim.supplier in rules.nato_group and claim.recipient in rules.nato_group:
        return True
    moved = any(re.match(r"(?i)cue:[\w-]+:.*(?:deploy|mov|station|relocat)", cue) for cue in claim.cues)
    return moved and claim.category != "personnel" and bool(_OWN_WEAPONS_MOVED_RE.search(text))


def _trim_after_verbs(text: str, item: Mention, verbs: list[tuple[int, int]]) -> Mention:
    """'Iran ships drones': an item that starts with the word read as the verb starts after it."""
    for s, e in verbs:
        if s <= item.start < e < item.end:
            start = e + len(text[e:item.end]) - len(text[e:item.end].lstrip())
            return Mention(start, item.end, text[start:item.end], item.kind, item.code, item.prep, item.possessive,
                           item.priority, item.origin, item.weak, item.before)
    return item


NON_STATE = "NSA"  # lexicon code for non-state armed groups (Hamas, Hezbollah, Wagner): the spec has no code for them


def _drop_non_state(claim: Claim) -> Claim:
    """A non-state side stays named while the frame is built, and becomes null in the claim (spec: ISO codes only)."""
    if claim.supplier == NON_STATE:
        claim.supplier = None
    if claim.recipient == NON_STATE:
        claim.recipient = None
    return claim


_MONEY_RE = re.compile(r"(?:[$£€]\s?\d[\d.,]*\s*(?:bn|billion|m|million|trillion)?|\d[\d.,]*\s*(?:billion|million)\s+(?:euros|dollars|pounds|kronor|kroner))\b")


def _money_items(text: str, parties: list[Mention], ctx: Context) -> list[Mention]:
    """An amount given to a state the article already reports arming ('pledged to give Ukraine £3bn a year')."""
    m = _MONEY_RE.search(text)
    if not m or re.match(r"(?i)\s+(?:[\w-]+\s+)?(?:loans?|credits?|grants?|budget support|in (?:financial|budget|economic))\b", text[m.end():]):
        return []  # "a $50 billion loan": money, not military aid, unless weapons are named
    armed = {c.recipient for _, c in ctx.history if c.recipient and c.category != "personnel"}
    if not any(p.kind == "party" and p.code in armed and 0 <= m.start() - p.end <= 12 for p in parties):
        return []  # only "give Ukraine £3bn", right after a recipient known from this article's military claims
    return [Mention(m.start(), m.end(), m.group(0), "item", "unspecified")]


_ARMING_RE = re.compile(r"(?i)(?:\b(?:is|are|was|were|been|has|have|had)\s+)?arm(?:ing|ed)$")


def _arming_items(text: str, cues: list[Mention], parties: list[Mention]) -> list[Mention]:
    """'accused Tehran of arming Russia': the verb itself names the goods (weapons in general) when a state follows."""
    for cue in cues:
        armed = next((p for p in parties if p.kind == "party" and 0 <= p.start - cue.end <= 5), None)
        if _ARMING_RE.search(cue.text) and armed is not None:
            # placed as the object, inside the clause even when the clause ends right after the state
            return [Mention(armed.end - 1, armed.end - 1, "arms", "item", "unspecified", priority=1)]
    return []


_ASPECT_TO_RE = re.compile(r"(?i)\s+(?:\w+ly\s+)?(?:continu(?:e|es|ed|ing)|keep(?:s|ing)?\s+on|start(?:s|ed|ing)?|"
                           r"beg(?:in|ins|an|un|inning)|resum(?:e|es|ed|ing))\s+(?:to\s+)?\s*")


_PARTITIVE_RE = re.compile(r"(?i)\b(?:\d[\d,.]*|dozens|hundreds|thousands|some|most|half|all|many|several|each|one|two|three|"
                           r"four|five|six|ten|twenty|a few|a third|a quarter) of (?:them|those|these)\b|"
                           # "Three squadrons have been handed over", "the remaining two": units of the system just named
                           r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|the remaining|the last|the first)\s+"
                           r"(?:(?:more|further|remaining|other)\s+)?(?:squadrons?|batter(?:y|ies)|regiments?)\b|"
                           r"\bthe (?:remaining|last|other) (?:one|two|three|four|five|six|seven|eight|nine|ten)\b")


def _partitive_items(text: str, ctx: Context, rules: Rules) -> list[Mention]:
    """'Athens would send 40 of them': the pronoun stands for the named item of the sentence before."""
    m = _PARTITIVE_RE.search(text)
    if m is None or not ctx.text:
        return []
    before = [it for it in find_items(ctx.text, rules, []) if not it.weak and it.priority >= 1]
    if not before:
        return []
    return [Mention(m.start(), m.end(), m.group(0), "item", before[-1].code, priority=1)]


def _add_clause_arming(text: str, items: list[Mention], arming: list[Mention]) -> list[Mention]:
    """'denied arming the Houthis, though weapons ... were seized': items of a later clause leave 'arming' its own goods."""
    if not arming:
        return items
    tail = re.search(r"[,;:(]|\s(?:though|although|but|while|whereas|as)\s|$", text[arming[0].end:])
    clause_end = arming[0].end + tail.start()
    if any(arming[0].end - 40 <= it.start <= clause_end for it in items):
        return items
    return sorted(items + arming, key=lambda it: it.start)


def _claims_for_cue(text, sentence, cue, parties, items, ctx, rules, military, verb_positions, earlier) -> list[Claim]:
    """Build the claims one cue supports (none, one, or one per coordinated party)."""
    lo, hi = _clause_bounds(text, cue.start, parties, verb_positions)
    if cue.kind in ("give", "commit") and _is_reduced_relative(text, cue, items, parties):
        return []
    passive = _is_passive(text, cue)
    window = _comma_window(text, lo, cue.start)
    after = text[cue.end:hi]
    if cue.kind == "nominal" and not _nominal_supports(text, cue, lo, hi, rules, items, parties):
        return []
    package_anaphor = cue.kind == "include" and _recent_claim(ctx) is not None and bool(_ANAPHOR_RE.match(text[lo:cue.start]))
    if cue.kind == "include" and not package_anaphor and not _include_governed(text, lo, cue):
        return []  # "It includes", "The package contains" count only right after the package's own claim
    if cue.kind == "commit" and re.match(r"(?i)announc|unveil|approv|authori|sign", cue.text) and not re.search(
            r"(?i)\b(?:deals?|contracts?|agreements?)$", cue.text) and not re.search(
            r"\b(?:package|packages|aid|assistance|tranche|sale|sales|transfer|transfers|deal|contract|delivery|deliveries|"
            r"donation|shipment|shipments|support|weapons|arms|that|it|they|plans?|exports?|purchase|provision|supply|"
            r"supplies|funding|drawdown|would|will|to)\b", after[:120], re.IGNORECASE):
        return []
    if cue.kind == "commit" and re.match(r"(?i)announc|confirm|unveil", cue.text) and re.match(r"\s+that\b", after) and \
            any(v > cue.end for v in verb_positions):
        return []  # "announced that Ukraine had received ...": the inner verb carries the claim
    if (cue.kind == "include" and not [it for it in items if lo <= it.start and it.end <= hi]) or \
            (cue.kind == "arrive" and not [it for it in items if lo <= it.start and it.end <= cue.start]):
        return _anaphoric_claims(text, sentence, cue, lo, hi, parties, ctx, rules)
    if cue.kind == "arrive" and not [it for it in items if lo <= it.start and it.end <= cue.start]:
        return []
    if cue.kind == "receive" and rules.blockers["receive_nontransfer"].match(after.lstrip()):
        return []
    if cue.kind in ("give", "receive", "commit") and rules.blockers["purpose_noun"].search(text[max(0, cue.start - 40):cue.start]):
        return []  # "an initiative to buy", "a request to send": not itself a transfer
    if _blocked(window, text[lo:cue.start], after, rules, cue.text):
        return []
    negation = _negation(text, lo, cue, after)
    reported = bool(rules.blockers["speech"].search(text) or re.search(r"(?i)\baccording to\b", text))
    if negation and (not reported or re.search(r"(?i)\b(?:yet|so far)\b", text[cue.end:hi]) or negation.lower() in ("no", "none")
                     or re.search(r"(?i)\b(?:of|for|about|by|on)\s+(?:not|never)\s+$", text[max(0, cue.start - 20):cue.start])):
        return []  # "has not sent", "received no shells": a refusal or a gap, not a claim
    sides = "left-right" if (passive or cue.kind in ("arrive", "nominal")) else "right"
    if cue.kind == "include":
        sides = "right-left"
    elif cue.kind == "source":
        sides = "left"
    elif cue.kind in ("give", "commit") and not passive:
        sides = "right-left"  # "the shells it had promised Kyiv"
    relative_ok = bool(re.search(r"(?i)(?:\b(?:that|which)\s+)?(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*|it|they|we|he|she|the \w+)\s+"
                                 r"(?:has\s+|have\s+|had\s+|already\s+|previously\s+|\w+ly\s+)*$", text[max(lo, cue.start - 60):cue.start]))
    item = _pick_item(text, items, cue, lo, hi, sides, relative_ok)
    if item is None:
        return []
    head = next((it for it in reversed(items) if 0 <= cue.start - it.end <= 30 and it.end <= cue.start), None)
    if cue.kind in ("give", "commit") and head is not None and not passive and re.fullmatch(
            r"\s+(?:that\s+|which\s+)?(?:[A-Z][\w.'’-]*\s+){1,3}(?:\w+ly\s+|has\s+|have\s+|had\s+)*|\s+(?:that\s+|which\s+)?(?:it|they|he|she|we)\s+(?:\w+ly\s+|has\s+|have\s+|had\s+)*",
            text[head.end:cue.start]) and (
            _USE_GOVERNOR_RE.search(text[max(0, head.start - 50):head.start]) or _RELATIVE_THEN_USE_RE.match(text[cue.end:])):
        return []  # "monitored the use of the weapons it provided", "the F-16s Denmark donated were used": presupposed
    if item.weak and not military and not package_anaphor:
        return []  # the package claim just before supplies the military context
    frame = _frame(text, cue, lo, hi, parties, items, ctx, passive)
    notes = [f"cue:{cue.kind}:{cue.text}" + (":passive" if passive else "")] + frame.notes
    lead = next((p for p in parties if p.kind == "party" and p.code and p.start <= 4 and p.prep is None), None)
    if cue.kind in ("give", "commit") and not frame.suppliers and cue.text.lower().endswith("ing") and lead is not None and \
            re.search(r",\s*$", text[max(0, cue.start - 5):cue.start]) and lead.code not in frame.recipients and \
            re.match(r"\s+(?-i:[a-z]+s)\b|\s+(?:Walks|Keeps|Stays|Steps|Moves|Goes|Treads)\b", text[lead.end:lead.end + 12]):
        frame.suppliers = [lead.code]  # "Turkey walks a fine line, arming Ukraine ...": the participle shares the subject
        frame.notes.append(f"supplier:participle-subject:{lead.text}")
    if cue.kind in ("give", "commit") and not frame.suppliers:
        # "a clear case of Iran continuing to supply": the state before an aspect verb is the subject
        doer = next((p for p in parties if p.kind == "party" and p.code and p.end <= cue.start and _ASPECT_TO_RE.fullmatch(
            text[p.end:cue.start]) and p.code not in frame.recipients), None)
        if doer is not None:
            frame.suppliers = [doer.code]
            frame.notes.append(f"supplier:aspect-subject:{doer.text}")
    if cue.kind in ("give", "commit") and not frame.suppliers and cue.text.lower().endswith("ing") and re.search(
            r"(?i)(?:^|[,;:(]|\b(?:that|for|against|about|on|without|like|than|means|risk|risks|idea|cost|costs))\s*$",
            text[max(0, cue.start - 30):cue.start]):
        return []  # "supplying weapons to Ukraine makes NATO a party": nobody is said to supply
    suppliers, recipients = list(frame.suppliers), list(frame.recipients)
    if cue.kind == "commit" and _SIGN_TO_BUY_RE.match(cue.text) and _TO_BUY_RE.match(after):
        return []  # "signs deal to buy Israel's Arrow 3": the buying verb carries the claim
    seller = _purchase_seller(text, cue, lo, hi, parties, item) if cue.kind == "commit" and _SIGN_TO_BUY_RE.match(cue.text) else None
    if seller and seller not in suppliers:
        buyer = suppliers[:1] if suppliers else recipients[:1]
        suppliers, recipients = [seller], [b for b in buyer if b != seller]
        notes.append(f"frame:purchase-from:{seller}")
    if cue.kind == "include" and not suppliers and not recipients and earlier:
        suppliers = [earlier[-1].supplier] if earlier[-1].supplier else []
        recipients = [earlier[-1].recipient] if earlier[-1].recipient else []
        notes.append("parties:same-sentence-claim")
    if not suppliers and not recipients and cue.kind not in ("arrive", "receive", "include", "nominal", "source") and not ctx.claims \
            and not (passive and _recent_claim(ctx) and re.search(r"(?i)\bhow many\b", text[lo:cue.start])):
        return []  # only an origin adjective ("Western-designed vehicles to be sent"): too thin
    if rules.blockers["domestic"].search(text[lo:hi]) and not (suppliers and recipients):
        return []  # own procurement or production
    if cue.kind == "source" and suppliers and set(recipients) <= set(suppliers):
        # "The country's minister told ... that the ammunition needed by the Ukrainian army had come from Bulgaria"
        inner = [p.code for p in parties if p.kind == "party" and p.code and lo <= p.start < cue.start and p.code not in suppliers]
        recipients = inner[-1:]
    if not suppliers and item.origin and item.origin not in recipients:
        suppliers = [item.origin]
        notes.append(f"supplier:origin:{item.text}")
    if cue.kind == "arrive" and _PRESENCE_CUE_RE.match(cue.text) and (
            (not suppliers and not re.search(r"(?i)already|now", cue.text) and not (
                item.priority == 2 and any(c.recipient in recipients for _, c in ctx.history[-12:])))
            or any((s, r) in _WARRING_SIDES for s in suppliers for r in recipients)):
        return []  # "Russian troops are in Ukraine" is an invasion, "the jets are in Denmark" names no supplier
    if not suppliers and _EXCHANGE_RE.search(text[lo:hi]) and earlier:
        prior = earlier[-1]
        if prior.recipient and prior.recipient not in recipients:
            suppliers = [prior.recipient]
            notes.append("supplier:in-return:previous-claim")
    if item.code == "personnel" and not recipients:
        for p in parties:
            if p.kind == "party" and cue.end <= p.start < hi and _PERSONNEL_RECIPIENT_RE.search(text[max(0, p.start - 30):p.start]):
                recipients = [p.code]
                notes.append(f"recipient:personnel-purpose:{p.text}")
                break
    if ctx.claims and (suppliers or recipients) and not (suppliers and recipients):
        prior = ctx.claims[-1]
        if suppliers and prior.supplier in suppliers and prior.recipient and cue.kind in ("give", "commit", "include"):
            recipients = [prior.recipient]
            notes.append("recipient:previous-sentence-claim")
    if not suppliers and not recipients:
        prior = _recent_claim(ctx) if cue.kind == "include" else (ctx.claims[-1] if ctx.claims else None)
        if re.match(r"(?i)(?:bought|purchased|acquired|ordered)$", cue.text) and passive:
            return []  # "were bought by the interior ministry": a purchase by an unnamed buyer, not the prior claim
        named = {p.code for p in parties if p.kind == "party" and p.code}
        if named and (passive or cue.kind == "arrive") and (prior is None or prior.supplier not in named):
            # "A Pentagon spokesman declined to say how many tanks had been delivered": the US claim, not the last one
            prior = next((c for n, c in reversed(ctx.history) if ctx.number - n <= 6 and c.supplier in named
                          and c.category == item.code), prior)
        if prior is None and passive and re.search(r"(?i)\bhow many\b", text[lo:cue.start]):
            prior = _recent_claim(ctx)  # '"F-16s are in Ukraine. We did it," he said. He did not say how many had been delivered'
        if (passive or cue.kind in ("include", "nominal", "arrive")) and prior is not None:
            suppliers = [prior.supplier] if prior.supplier else []
            recipients = [prior.recipient] if prior.recipient else []
            notes.append("parties:previous-sentence-claim")
            if item.weak and item.priority < 2 and prior.category not in ("unspecified", item.code) and re.search(
                    r"(?i)\b(?:the|these|those)\s+$", text[max(0, item.start - 8):item.start]):
                item = Mention(item.start, item.end, item.text, item.kind, prior.category, weak=True)  # "the vehicles"
        if not suppliers and not recipients:
            return []
    if cue.kind == "give" and not recipients and not passive and (
            _OWN_DESTINATION_RE.match(after) or _REGION_DESTINATION_RE.search(after)):
        return []  # moving one's own forces somewhere, or to a sea or region
    if cue.kind == "give" and not recipients and re.match(r"(?i)(?:deploy|redeploy|dispatch|rush)", cue.text):
        return []
    notes.append(f"item:{item.text}->{item.code}")
    status, status_cue = _status(window, cue, rules)
    if cue.kind == "nominal" and re.search(r"(?i)\b(?:will|would|is to|are to|set to|expected to|to be)\b", after[:60]):
        status, status_cue = "committed", "status:nominal-future"
    if re.fullmatch(r"\s*(?:[A-Z][\w.'’]*\s*){1,3}\s+to\s*", text[:cue.start]):
        status, status_cue = "committed", "status:headline-to"
    if cue.kind == "include" and status_cue == "status:package-contents":
        status = _recent_claim(ctx).status if _recent_claim(ctx) else "committed"
    stance, stance_cue = _stance(text, lo, hi, window, cue, rules, bool(negation))
    claimant, claimant_cue = _find_claimant(text, cue.start, rules, ctx)
    if claimant_cue:
        notes.append(f"claimant:{claimant_cue}")
    blocked_spans = [(it.start - lo, it.end - lo) for it in items if it.priority == 2]
    quantity = find_quantity(text[lo:hi], item.start - lo if item.start >= lo else -1, item.end - lo, blocked_spans)
    if quantity:
        notes.append(f"quantity:{quantity.pop('text')}")
    notes += [status_cue, stance_cue]
    out = []
    for sup in suppliers or [None]:
        for rec in recipients or [None]:
            if sup is not None and sup == rec:
                continue
            if item.code == "personnel" and not _personnel_ok(sup, rec, text, lo, hi, cue, rules):
                continue
            out.append(Claim(sup, rec, item.code, item.text, dict(quantity) if quantity else None, status, stance,
                             claimant, sentence, 0, 0, list(notes)))
            for extra in _coordinated_items(text, item, items, hi, rules):
                if extra.code != "personnel" or _personnel_ok(sup, rec, text, lo, hi, cue, rules):
                    out.append(Claim(sup, rec, extra.code, extra.text, None, status, stance, claimant, sentence, 0, 0,
                                     list(notes) + [f"item:coordinated:{extra.text}->{extra.code}"]))
    out += _exchange_claims(text, cue, lo, hi, items, out, claimant, sentence, notes)
    return out


_BOUGHT_BY_RE = re.compile(r"(?i)\b(?:bought|purchased|ordered|acquired|procured|received|requested)\s+by\s+(?:the\s+)?$")
_SIGN_TO_BUY_RE = re.compile(r"(?i)sign")
_PRESENCE_CUE_RE = re.compile(r"(?i)(?:is|are|was|were|already)\b")  # "are (also) in Ukraine": being there, no movement verb
_WARRING_SIDES = {("RUS", "UKR"), ("UKR", "RUS")}  # one side's forces in the other's land are at war, not transferred
_TO_BUY_RE = re.compile(r"(?i)\s*(?:\w+\s+){0,3}?to\s+(?:buy|purchase|acquire|procure|order)\b")


def _purchase_seller(text: str, cue: Mention, lo: int, hi: int, parties: list[Mention], item: Mention) -> str | None:
    """'signed a contract with Hyundai Rotem for K2 tanks', 'a contract for South Korean K2 tanks': the seller."""
    if re.search(r"(?i)\bto\s+(?:supply|provide|send|deliver|give|transfer|sell|lend|donate)\b", text[cue.end:hi]):
        return None  # "signed an agreement with Ukraine to supply munitions": the signer supplies
    for p in parties:
        if p.kind == "party" and p.prep == "with" and cue.end <= p.start < hi and \
                not re.search(r"(?i)\b(?:to|for)\s+(?:\w+\s+){0,2}$", text[cue.end:p.start]):
            return p.code
    if item.origin and item.start > cue.end and re.search(r"(?i)\bfor\s+(?:[\w$€£.,-]+\s+){0,4}$", text[cue.end:item.start]):
        return item.origin
    return None


_CONTAINER_NOUNS = (r"\b(?:package|packages|aid|assistance|tranche|shipments?|deliver(?:y|ies)|consignment|cargo|donation|"
                    r"transfers?|deal|contract|sale|support|supplies|drawdown)\b")


def _include_governed(text: str, lo: int, cue: Mention) -> bool:
    """True when 'includes' lists the contents of a package, sale or shipment."""
    start = 0 if re.match(r"\s*(?:which|that)\b", text[lo:cue.start]) else lo  # "a package ..., which includes"
    if re.search(_CONTAINER_NOUNS, text[max(start, cue.start - 80):cue.start], re.IGNORECASE):
        return True
    return cue.text.lower() == "included" and bool(re.match(
        rf"\s+in\s+(?:\S+\s+){{0,6}}?{_CONTAINER_NOUNS}", text[cue.end:cue.end + 80], re.IGNORECASE))  # "were included in a package"


_ANAPHOR_RE = re.compile(
    r"^[\s\"“]*(?:They|It|These|Those|The\s+(?:first\s+|second\s+|latest\s+|new\s+|last\s+|initial\s+)?"
    r"(?:shipment|batch|delivery|deliveries|consignment|tranche|package|weapons|systems?|jets|planes|tanks|missiles|shells|"
    r"rounds|launchers|vehicles|drones|aid|sale|deal|contract|agreement|order|donation|assistance)s?)\s+"
    r"(?:(?:have|has|had|were|was|is|are|will|would|be|finally|already|also|now|\w+ly)\s+)*$")


def _recent_claim(ctx: Context, span: int = 2) -> Claim | None:
    """The last claim of the previous two sentences: 'The package ... still needs approval. It includes ...'."""
    for n, claim in reversed(ctx.history):
        if ctx.number - n > span:
            return None
        if claim.category != "personnel":
            return claim
    return None


def _anaphoric_claims(text, sentence, cue, lo, hi, parties, ctx, rules) -> list[Claim]:
    """'They arrived in Ukraine in March', 'The first shipment has reached Ukraine', 'It includes:' after a claim."""
    prior = _recent_claim(ctx) if cue.kind == "include" else (ctx.claims[-1] if ctx.claims else None)
    if prior is None or not _ANAPHOR_RE.match(text[lo:cue.start]):
        return []
    if cue.kind == "include" and not text.rstrip().endswith(":"):
        return []
    recipient = prior.recipient
    for p in parties:
        if p.kind == "party" and cue.end <= p.start < hi and (p.prep in ("in", "to", "into") or not text[cue.end:p.start].strip()):
            recipient = p.code
            break
    if recipient == prior.supplier:
        return []
    status = "delivered" if cue.kind == "arrive" else prior.status
    claimant, _ = _find_claimant(text, cue.start, rules, ctx)
    return [Claim(prior.supplier, recipient, prior.category, prior.item, None, status, "affirmed", claimant, sentence, 0, 0,
                  [f"cue:{cue.kind}:{cue.text}", "parties:anaphor-previous-claim", f"status:{status}"])]


# "Morocco's biggest arms supplier remains the United States"
_TOP_SUPPLIER = (r"\b(?:(?:single|second|third)[- ])?(?:biggest|largest|main|top|leading|principal|key) "
                 r"(?:foreign )?(?:arms|weapons|defen[cs]e|military) (?:supplier|provider|exporter)\b")
_TOP_SUPPLIER_RE = re.compile(r"(?i)" + _TOP_SUPPLIER)
_IMPLICIT_TRIGGER_RE = re.compile(
    r"(?i)" + _TOP_SUPPLIER + r"|licen[cs]|\b(?:help|helps|helped|helping|assist|assists|assisted|assisting)\s+[A-Z]|[a-z]-(?:made|supplied|sourced)\s+"
    r"(?:\w+\s+)?(?:components|parts|engines|microelectronics|chips|electronics)|\b(?:fighting|deployed|serving|stationed)\s+"
    r"(?:alongside|for|with|in|on|inside|to|into)\b|\b(?:arrived|arrive|arrives|arriving|sent|transported|moved)\s+(?:in|to|into|at)\s+[A-Z]|\b(?:operating|embedded)\s+(?:alongside|with|in|inside|within)\b|\bjoined\s+(?:the\s+)?[A-Z]|\bon the ground in\b")
# Words every _IMPLICIT_TRIGGER_RE match contains: a substring test first keeps that regex off most sentences.
_IMPLICIT_KEYS = ("licen", "help", "assist", "-made", "-supplied", "-sourced", "fighting", "deployed", "serving",
                  "stationed", "arriv", "sent", "transported", "moved", "operating", "embedded", "joined", "on the ground",
                  "supplier", "provider", "exporter")


def _implicit_trigger(text: str) -> bool:
    """Whether a sentence may state a transfer without a transfer verb."""
    low = text.lower()
    return any(k in low for k in _IMPLICIT_KEYS) and bool(_IMPLICIT_TRIGGER_RE.search(text))


_PRODUCE = r"(?:build|builds|built|building|produce|produces|produced|producing|manufactur\w+|make|makes|made|making|assembl\w+)"
_LICENCE_RE = re.compile(
    r"(?i)\b(?:under|with|through)\s+(?:a\s+|an\s+)?(?:licen[cs]e|licensing\s+(?:deal|agreement|arrangement)|"
    r"technology[- ]transfer\s+(?:deal|agreement))\s+(?:from|with|granted by|signed with)\s+$")
_HELP_BUILD_RE = re.compile(
    r"(?i)\s+(?:to\s+)?(?:build|develop|launch|produce|improve|modernise|modernize|upgrade|make|advance)\s+"
    r"(?:its\s+|their\s+|a\s+|new\s+|military\s+|spy\s+|reconnaissance\s+|ballistic\s+|nuclear\s+)*"
    r"(?:satellites?|missiles?|nuclear|submarines?|drones?|weapons|rockets?|warplanes|jets|space|missile|weapons?\s+programs?)")
_MADE_WITH_RE = re.compile(
    r"(?i)\b" + _PRODUCE + r"\s+(?:\w+\s+){0,3}(?:with|using|from)\s+(?:\w+\s+){0,2}$")
_PARTS_AFTER_RE = re.compile(
    r"(?i)^(?:[\s-]*(?:made|supplied|sourced|produced|built))?\s+(?:\w+\s+){0,2}?"
    r"(?:components|parts|engines|microelectronics|chips|electronics|technology|machine tools)\b")
_FIGHTING_RE = re.compile(
    r"(?i)\s+(?:(?:are|were|is|was|have been|has been|had been|have|has|had|now|already|reportedly|still|also|allegedly|"
    r"apparently|currently|actively)\s+)*"
    r"(?:(?:fighting|deployed|serving|stationed|taking part|participating|engaged in combat|in combat|operating|embedded|on the ground)\s+"
    r"(?:alongside|for|with|in|inside|within|on behalf of|on the side of)|joined|"
    r"(?:deployed|sent|moved|transferred|dispatched|transported|arrived|arriving|arrive|arrives)\s+(?:to|in|into|at))\s+(?:the\s+)?")
# Places that put foreign troops on Russia's side of the front (a place, never a party).
_RUSSIAN_SIDE_PLACE_RE = re.compile(
    r"\b(?:Kursk|Belgorod|Bryansk|Russia's Far East|(?:Russian-)?occupied (?:territor(?:y|ies)|areas|regions|parts|Ukraine|Crimea)|Crimea)\b")


def _implicit_claims(text: str, sentence: str, parties: list[Mention], items: list[Mention], ctx: Context,
                     rules: Rules) -> list[Claim]:
    """Transfers stated without a transfer verb: licensed production, 'helped X build satellites',
    'drones produced with Chinese-made parts', 'North Korean soldiers are fighting alongside Russian troops'."""
    if rules.blockers["modal"].search(text) or re.search(r"(?i)\b(?:if|unless|whether|not|never)\b", text):
        return []
    named = [p for p in parties if p.kind in ("party", "demonym") and p.code]
    first = next((p for p in named if p.kind == "party"), None)
    hedge = rules.blockers["hedge"].search(text)
    stance = "hedged" if hedge else "affirmed"
    claimant, _ = _find_claimant(text, len(text), rules, ctx)

    def make(sup, rec, cat, item, status, cue):
        if sup is None or rec is None or sup == rec:
            return []
        return [Claim(sup, rec, cat, item, None, status, stance, claimant, sentence, 0, 0, [cue, f"stance:{stance}"])]

    top = _TOP_SUPPLIER_RE.search(text)
    if top:
        # "Morocco's biggest arms supplier remains the United States": the other named state supplies the owner
        owner = next((p for p in named if p.kind == "party" and p.possessive and p.end <= top.start() and
                      not text[p.end:top.start()].strip(" the")), None)
        other = next((p for p in named if p.kind == "party" and owner is not None and p.code != owner.code and
                      (p.end <= owner.start or p.start >= top.end())), None)
        if owner is not None and other is not None:
            return make(other.code, owner.code, "unspecified", top.group(0), "delivered", "cue:implicit:top-supplier")
    for p in named:
        if p.kind == "party" and _LICENCE_RE.search(text[max(0, p.start - 60):p.start]) and re.search(
                r"(?i)\b" + _PRODUCE + r"\b", text):
            return make(p.code, first.code if first else None, "technology", "licence", "delivered", "cue:implicit:licence")
        if p.kind == "party" and p.prep is None and _HELP_BUILD_RE.match(text, p.end) and re.search(
                r"(?i)\b(?:help|helps|helped|helping|assist|assists|assisted|assisting)\s+$", text[max(0, p.start - 12):p.start]):
            helper = [q for q in named if q.kind == "party" and q.end <= p.start - 5 and q.prep is None]
            status = "committed" if re.search(r"(?i)\b(?:will|would|agreed to|pledged to|promised to|plans? to)\b", text) else "delivered"
            return make(helper[-1].code if helper else None, p.code, "technology", text[p.end:p.end + 40].split(",")[0].strip(),
                        status, "cue:implicit:help-build")
        if p.kind == "demonym" and _MADE_WITH_RE.search(text[max(0, p.start - 60):p.start]) and _PARTS_AFTER_RE.match(
                text[p.end:p.end + 60]):
            owner = next((q for q in named if q.kind == "party" and q.code != p.code), None)
            return make(p.code, owner.code if owner else None, "technology", "components", "delivered", "cue:implicit:made-with")
    for it in items:
        fight = _FIGHTING_RE.match(text, it.end) if it.code == "personnel" and it.origin else None
        if fight and "stationed" in fight.group(0).lower() and not _RUSSIAN_SIDE_PLACE_RE.search(text, fight.end(), fight.end() + 60):
            fight = None  # "Russian troops stationed in Belarus": a garrison, not troops fighting for the host
        if fight:
            side = _fighting_side(text, fight.end(), it.origin, named)
            if side and not (it.origin in rules.nato_group and side in rules.nato_group) and \
                    {it.origin, side} != {"UKR", "RUS"}:  # Ukrainian troops in Kursk are an incursion, not aid
                return make(it.origin, side, "personnel", it.text, "delivered", "cue:implicit:fighting-for")
    return []


def _fighting_side(text: str, pos: int, origin: str, named: list[Mention]) -> str | None:
    """The side foreign troops fight for: the party right after 'alongside/for/joined', or Russia for its regions."""
    window = text[pos:pos + 60]
    place = _RUSSIAN_SIDE_PLACE_RE.search(window)
    party = next((q for q in named if pos <= q.start < pos + 40 and q.code != origin), None)
    if place and origin != "RUS" and (party is None or party.start - pos > place.start() or "occupied" in place.group(0)):
        return "RUS"
    if party is not None and not re.search(r"(?i)\b(?:clash\w*|fight\w*|battl\w*|against|with)\s+(?:the\s+)?$", text[pos:party.start]):
        return party.code
    return None


_ACTOR_RE = re.compile(
    r"^(?:[A-Z][\w'.-]*\s+){0,4}?$")  # only titles and names before the actor ("President Joe Biden", "Defence Minister")
_ACT_VERB_RE = re.compile(
    r"^\s*(?:has\s+|have\s+|had\s+|on\s+\w+\s+)?(?:signed|signs|announced|announces|unveiled|unveils|approved|approves|"
    r"authori[sz]ed|authori[sz]es|pledged|pledges|promised|promises|confirmed|confirms|finali[sz]ed|agreed)\b")


def _fill_actor_supplier(claim: Claim, text: str, parties: list[Mention]) -> None:
    """'President Joe Biden signed a $95 billion aid measure ... for Ukraine': the state that acts is the supplier.

    Only act verbs (signed, announced, approved, pledged) count: a speaker who merely comments on
    someone else's deliveries ("Putin said deliveries to Ukraine ...") is no supplier.
    """
    if claim.supplier is not None or claim.recipient is None or claim.category == "personnel":
        return
    body = _mask_dateline(text)
    for p in parties:
        if p.kind != "party" or p.priority != 1 or p.prep is not None:
            continue
        if p.code in (None, NON_STATE, claim.recipient) or not _ACTOR_RE.match(body[:p.start].lstrip(" -—")):
            return
        if _ACT_VERB_RE.match(body[p.end:]):
            claim.supplier = p.code
            claim.cues.append(f"supplier:actor:{p.text}")
        return


_GROUP_MEMBER_RE = re.compile(
    r"\b(?:first|second|third|last|latest|only|another|one more|newest)\s+(?:NATO|Nato|EU|Western|European)\s+"
    r"(?:country|countries|member|members|state|states|nation|nations|ally|allies|government)\b")


def _name_group_member(claim: Claim, text: str, parties: list[Mention]) -> None:
    """'Poland becomes the first NATO country to send jets': the supplier is Poland, not NATO."""
    if claim.supplier not in ("NATO", "EU", "WEST"):
        return
    member = _GROUP_MEMBER_RE.search(text)
    if not member:
        return
    named = [p for p in parties if p.kind == "party" and p.prep is None and p.end <= member.start()
             and p.code not in (None, NON_STATE, "NATO", "EU", "WEST", claim.recipient)]
    if named:
        claim.supplier = named[0].code
        claim.cues.append(f"supplier:group-member:{named[0].text}")


def _elliptic_clause_claims(text: str, claims: list[Claim], parties: list[Mention], rules: Rules) -> list[Claim]:
    """'The Netherlands has pledged 24 F-16s, while Denmark has promised 19': the second clause repeats the item."""
    if not claims:
        return []
    first = claims[0]
    out = []
    for p in parties:
        if p.kind != "party" or p.prep not in (None, "and") or p.code in (None, NON_STATE, first.recipient):
            continue
        if any(c.supplier == p.code for c in claims + out):
            continue
        if not re.search(r"(?i)(?:,\s*(?:while|whereas|and)|;|\band|\bwhile)\s+(?:the\s+)?$", text[max(0, p.start - 16):p.start]):
            continue
        verb = re.match(r"\s+(?:has\s+|have\s+|had\s+|will\s+|would\s+)?(?:also\s+)?(\w+)\s+(?:another\s+|a further\s+|"
                        r"up to\s+|about\s+|around\s+|nearly\s+|more than\s+)?\d", text[p.end:])
        if not verb:
            continue
        kind = next((k for k in ("give", "commit") if rules.cue_res[k].fullmatch(verb.group(1))), None)
        if kind is None:
            continue
        status = "committed" if kind == "commit" or re.match(r"\s+(?:will|would)\b", text[p.end:]) else "delivered"
        out.append(Claim(p.code, first.recipient, first.category, first.item, None, status, first.stance, first.claimant,
                         first.sentence, 0, 0, [f"cue:{kind}:{verb.group(1)}", f"supplier:elliptic-clause:{p.text}"]))
    return out


_LABEL_RE = re.compile(r"^\s*([A-Z][^:;.]{1,60}):\s+\S")


def _prefer_label_item(claim: Claim, text: str, rules: Rules, parties: list[Mention]) -> None:
    """Factbox lines ('HIMARS: Washington has sent 38 of the launchers.') name the item in the label before the colon."""
    if claim.category not in ("unspecified", "other_equipment"):
        return
    label = _LABEL_RE.match(text)
    if not label:
        return
    items = [it for it in find_items(label.group(1), rules, []) if it.priority > 0 and not it.weak]
    if items and items[0].code not in ("unspecified", "other_equipment"):
        claim.category, claim.item = items[0].code, items[0].text
        claim.cues.append(f"item:label:{items[0].text}")


def _fill_maker_state(claim: Claim, text: str, rules: Rules) -> None:
    """'Riyadh took delivery of the DF-21': a system its maker state sells directly names the supplier."""
    if claim.supplier or not claim.recipient or re.search(r"(?i)\bfrom\s+(?:the|its|their|a|an|various|several|other)\s", text):
        return
    m = rules.origin_re.search(claim.item or "")
    if m is None:
        return
    key = _normalise_key(m.group(0))
    code = rules.origin_map.get(key) or rules.origin_map.get(re.sub(r"(?:e?s|'s)$", "", key))
    if code and code != claim.recipient:
        claim.supplier = code
        claim.cues.append(f"supplier:maker:{m.group(0)}")


def _fill_from_article(claim: Claim, text: str, ctx: Context) -> None:
    """Supply a claim's missing side from the article's earlier claims, as a reader does.

    Reporting about aid to one country names the recipient once ("Warsaw would send 14 Leopards"),
    and a receipt often names only the recipient ("Russia took delivery of the missiles").
    """
    if claim.category == "personnel" or (claim.supplier is None) == (claim.recipient is None):
        return
    if claim.recipient is None and not any(x.startswith(("cue:receive", "cue:source")) for x in claim.cues):
        if _REGION_DESTINATION_RE.search(text):
            return  # "sent warships to the Caribbean": a deployment to a region, not to the article's recipient
        same = [p for _, p in ctx.history if p.supplier == claim.supplier and p.recipient]
        other = [p for _, p in ctx.history if p.recipient and p.recipient != claim.supplier and p.supplier != p.recipient]
        pick = (same or other or [None])[-1]
        if pick is not None:
            claim.recipient = pick.recipient
            claim.cues.append(f"recipient:article:{pick.recipient}")
        return
    if claim.supplier is None and not re.search(r"(?i)\bfrom\s+(?:the|its|their|a|an|various|several|other)\s", text):
        near = [(n, p) for n, p in ctx.history if p.supplier and p.recipient == claim.recipient and p.supplier != claim.recipient
                and ctx.number - n <= 8]
        fitting = [p for n, p in near if p.category == claim.category] or [p for n, p in near if ctx.number - n <= 3]
        if fitting:
            claim.supplier = fitting[-1].supplier
            claim.cues.append(f"supplier:article:{claim.supplier}")


_REGION_DESTINATION_RE = re.compile(
    r"\b(?:to|into|toward|towards)\s+the\s+(?:region|area|Caribbean|Mediterranean|Middle East|(?:Persian\s+)?Gulf|"
    r"Red Sea|Black Sea|Baltic(?:\s+Sea)?|Indo-Pacific|Pacific|Atlantic|South China Sea|Arctic|Indian Ocean|Sahel|"
    r"Balkans|Horn of Africa)\b")
_COORDINATION_RE = re.compile(
    r"\s*(?:,\s*(?:and\s+|as well as\s+|plus\s+|along with\s+|together with\s+)?|\s+(?:and|as well as|plus|along with|together with)\s+)"
    r"(?:(?:[\w$€£.,/-]+|\([\w/-]+\))\s+){0,5}?")
_CLAUSE_WORD_RE = re.compile(r"(?i)\b(?:which|that|who|while|whereas|but|after|before|because|since|to|from|for|by|"
                             r"in|into|on|at|with|has|have|had|is|are|was|were|will|would|could|can|may|might|should|"
                             r"must|said|says|help\w*|including|such|like|notably|namely|especially|mainly|other)\b")


def _coordinated_items(text: str, item: Mention, items: list[Mention], hi: int, rules: Rules) -> list[Mention]:
    """'HQ-9 systems, Type 054A frigates and Wing Loong drones': specific items listed after the moved one."""
    found, last = [], item
    for it in items:
        if it.start < item.end or it.start >= hi:
            continue
        gap = text[last.end:it.start]
        joiner = re.sub(r"(?i)\b(?:and|along with|together with)\b", " ", gap)
        if not _COORDINATION_RE.fullmatch(gap) or _CLAUSE_WORD_RE.search(joiner) or any(
                rules.cue_res[kind].search(gap) for kind in ("give", "receive", "commit")):
            break
        last = it
        if it.weak or it.priority == 0 or it.code in {item.code} | {f.code for f in found}:
            continue
        found.append(it)
    return found


def _exchange_claims(text, cue, lo, hi, items, made, claimant, sentence, notes) -> list[Claim]:
    """'X supplied drones to Y in exchange for jets': the reverse transfer (status unclear)."""
    if not made:
        return []
    m = _EXCHANGE_FOR_RE.search(text, cue.end, hi)
    if not m:
        return []
    inside = [it for it in items if m.start() <= it.start < m.end() and it.priority > 0]
    first = made[0]
    if not inside or not (first.supplier and first.recipient):
        return []
    it = inside[0]
    return [Claim(first.recipient, first.supplier, it.code, it.text, None, "unclear", first.stance, claimant,
                  sentence, 0, 0, [f"cue:exchange:{m.group(0)[:24]}", f"item:{it.text}->{it.code}"])]


def _nominal_supports(text: str, cue: Mention, lo: int, hi: int, rules: Rules, items: list[Mention],
                      parties: list[Mention]) -> bool:
    """A transfer noun counts only as the subject or object of a transfer predicate."""
    after = text[cue.end:hi]
    before = text[max(lo, cue.start - 80):cue.start]
    if _SANCTION_REASON_RE.search(text[max(0, cue.start - 120):cue.start]):
        return False  # "sanctioned firms over arms sales to Taiwan": the sale is the reason, presupposed
    if re.search(r"(?i)\b(?:rel(?:y|ies|ied|iance|iant)|dependen(?:ce|t)|depend(?:s|ed)?|shortages?|lack|delays?|"
                 r"thanks to|with the help of|without|end(?:ing)? of|cut(?:s|ting)?|fate|future|debate|question|"
                 r"dwindling|slowdown|uncertainty|cuts? to|waiting|need|needs|requests?|pleas?|calls? for|"
                 r"controls? (?:on|over)|restrictions? on|ban on|halt|pause|freeze|suspension|opposition|oppose|"
                 r"critici[sz]\w*|scale of|size of|cost of|depleted by|after|because of|due to)\b[^.]{0,40}$", before):
        return False
    after_pred = rules.blockers["nominal_predicates"].search(after[:100])
    before_gov = rules.blockers["nominal_governors"].search(before[-50:])
    directed = bool(re.match(r"(?i)\s*(?:of|from|to|for|between)\b", after)) or bool(
        re.search(r"(?i)(?:['’]s|\bmilitary|\barms|\bweapons?|\bammunition|\bdrone|\bmissile|\bsecurity|\bdefen[cs]e|"
                  r"\bnew|\blatest|\bfirst|\bshell|\bartillery)\s+(?:\w+\s+)?$", before))
    if (after_pred or before_gov) and directed:
        return True
    # "Turkey's sales of Bayraktar drones to Ukraine": owner and destination both named
    owner = any(p.possessive and p.kind == "party" and 0 <= cue.start - p.end <= 30 for p in parties)
    dest = re.search(r"(?i)\bto\s+(?:the\s+)?[A-Z]", after[:80])
    specific = any(it.priority > 0 and cue.end <= it.start < cue.end + 60 for it in items)
    return owner and bool(dest) and specific


_SANCTION_REASON_RE = re.compile(
    r"(?i)\b(?:sanction\w*|blacklist\w*|penali[sz]\w*|punish\w*|protest\w*|condemn\w*|retaliat\w*|unreliable entit\w*)\b"
    r"[^;]{0,90}?\b(?:over|for|in response to|in retaliation for|because of|involved in|role in|part in|linked to|tied to)\s+"
    r"(?:\w+\s+){0,3}$")
_USE_GOVERNOR_RE = re.compile(
    r"(?i)\b(?:use|uses|used|using|misuse|diversion|divert\w*|track\w*|monitor\w*|fate|whereabouts|accounting for|"
    r"account for|end-use|firing|fired|launch\w*|deploy\w*)\s+(?:of\s+)?(?:the\s+|those\s+|these\s+|some\s+of\s+the\s+)?"
    r"(?:[\w-]+\s+){0,3}$")
_RELATIVE_THEN_USE_RE = re.compile(
    r"(?i)^[^,;]{0,60}?\b(?:was|were|have been|has been|had been|are|is|are being|were being)\s+(?:\w+ly\s+)?"
    r"(?:used|deployed|fired|destroyed|spotted|seen|captured|lost|damaged|shot down|hit|found|recovered)\b")


def _personnel_ok(supplier, recipient, text, lo, hi, cue, rules) -> bool:
    """Troops count only when sent to fight or work for another state, not stationed among allies."""
    if supplier is None or recipient is None:
        return bool(_PERSONNEL_PURPOSE_RE.search(text[lo:hi])) and (supplier or recipient) is not None
    if supplier in rules.nato_group and recipient in rules.nato_group:
        return False
    if re.match(r"(?i)(?:deploy|redeploy|dispatch)", cue.text) and not _PERSONNEL_PURPOSE_RE.search(text[lo:hi]):
        return supplier not in rules.nato_group
    return True


def _merge_claims(claims: list[Claim]) -> list[Claim]:
    """Fold duplicate claims from several cues of one sentence; specific beats unspecified."""
    merged: list[Claim] = []
    for c in claims:
        twin = None
        for m in merged:
            same_parties = (m.supplier, m.recipient) == (c.supplier, c.recipient) or (
                (m.supplier == c.supplier or None in (m.supplier, c.supplier))
                and (m.recipient == c.recipient or None in (m.recipient, c.recipient))
            )
            joined = (m.supplier or c.supplier, m.recipient or c.recipient)
            if same_parties and joined[0] is not None and joined[0] == joined[1]:
                continue  # "(UKR, None)" and "(None, UKR)" are not one claim
            if same_parties and (m.category == c.category or "unspecified" in (m.category, c.category)):
                twin = m
                break
        if twin is None:
            merged.append(c)
            continue
        if twin.category == "unspecified" and c.category != "unspecified":
            twin.category, twin.item = c.category, c.item
        twin.supplier = twin.supplier or c.supplier
        twin.recipient = twin.recipient or c.recipient
        twin.quantity = twin.quantity or c.quantity
        twin.claimant = twin.claimant or c.claimant
        if any(x.startswith("cue:arrive") for x in c.cues + twin.cues):
            twin.status = "delivered"
        elif c.status == "committed" and twin.status != "committed" and (
                any(x.startswith(("cue:nominal", "cue:include")) for x in twin.cues)
                or (any(x.startswith("cue:commit") for x in c.cues) and "status:default-delivered" in twin.cues
                    and not any(x.startswith(("cue:give", "cue:receive", "cue:arrive")) for x in twin.cues))):
            twin.status = "committed"
        if c.stance != "affirmed" and twin.stance == "affirmed":
            twin.stance = c.stance
        twin.cues += [x for x in c.cues if x not in twin.cues]
    return merged


# --------------------------------------------------------------------------------------------
# Public entry points


def detect_claims(text: str) -> list[Claim]:
    """Find transfer claims in plain article text.

    Args:
        text: article text, paragraphs separated by newlines.
    """
    rules = load_rules()
    out: list[Claim] = []
    ctx = Context()
    listing: Claim | None = None  # the package whose contents are being listed line by line
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if rules.related_line.match(sentence):
            continue  # navigation ("Related article: ...") is not article text
        claims: list[Claim] = []
        if rules.prefilter.search(sentence) or _implicit_trigger(sentence):
            claims = analyse_sentence(sentence, ctx, rules)
        claims = fix_claim_sides(sentence, claims, rules)
        if not claims and ctx.history and _DENY_REFERENCE_RE.search(sentence):
            claims = _denial_by_reference(sentence, ctx, rules)
        if not claims and ctx.history and _FOLLOWED_RE.search(sentence):
            claims = _followed_claims(sentence, ctx, rules)
        if not claims:
            claims = frame_fallback_claims(sentence, ctx, rules)
        if not claims:
            claims = moved_goods_claims(sentence, ctx, rules)
        if not claims and ctx.history:
            claims = anaphoric_transfer_claims(sentence, ctx, rules)
        line_start = start == 0 or text[start - 1] == "\n"
        if listing is not None and not claims:
            claims = _list_line_claims(sentence, listing, rules) if line_start else []
            if not claims and not _LIST_LINE_RE.search(sentence):
                listing = None
        elif listing is not None and not _LIST_LINE_RE.search(sentence):
            listing = None
        if not claims and ctx.history and sentence.rstrip().endswith(":") and _LIST_INTRO_RE.search(sentence):
            prior = _recent_claim(ctx, span=3)
            if prior is not None:
                claims = [Claim(prior.supplier, prior.recipient, prior.category, prior.item, None, prior.status,
                                "affirmed", None, sentence, 0, 0, ["cue:list-intro", "parties:recent-claim"])]
        if claims and sentence.rstrip().endswith(":"):
            listing = claims[-1]
        for c in claims:
            c.start, c.end = start, end
        out.extend(claims)
        ctx = _next_context(sentence, claims, rules, ctx)
    return out


_LIST_INTRO_RE = re.compile(r"(?i)\b(?:includ(?:e|es|ing)|consists? of|compris(?:e|es|ing)|following|contents?)\b")
# a list line: short, ends like an item of a list (";", ",", "; and", or no verb-like full stop)
_LIST_LINE_RE = re.compile(r"(?:[;,]|;\s*and|\band)\s*$")


def _list_line_claims(sentence: str, listing: Claim, rules: Rules) -> list[Claim]:
    """'155mm and 105mm artillery rounds;' under 'This package includes:': one item of the listed package."""
    if len(sentence.split()) > 18:
        return []
    items = [it for it in find_items(sentence, rules, []) if it.priority > 0 or not it.weak]
    if not items:
        return []
    item = items[0]
    return [Claim(listing.supplier, listing.recipient, item.code or "unspecified", item.text, None, listing.status,
                  listing.stance, listing.claimant, sentence, 0, 0, ["cue:list-line", "parties:listed-package",
                                                                     f"item:{item.text}->{item.code}"])]


_DENY_REFERENCE_RE = re.compile(
    r"(?i)\b(?:den(?:y|ies|ied|ying)|dismiss(?:ed|es|ing)?|reject(?:ed|s|ing)?|refut(?:ed|es|ing)?|rebuff(?:ed|s)?)\s+"
    r"(?:(?:the|those|these|such|that|this|any|all|its|their|previous|earlier|similar|western|U\.S\.|US|American|Ukrainian|"
    r"Seoul's|Kyiv's|Washington's|media|press|news)\s+){0,3}"
    r"(?:reports?|claims?|allegations?|accusations?|charges?|assertions?|suggestions?|it|them|this|"
    r"(?:arms\s+|weapons\s+|military\s+)?(?:transfers?|deliveries|shipments|deployments?|sales|supplies))\b")


_FOLLOWED_RE = re.compile(r"(?i)\b(?:followed(?: suit)?|did (?:the same|likewise)|(?:have|has) done (?:the same|likewise))\s*[.,;]")


def _followed_claims(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """'Canada, Norway and Spain followed.': the named states make the transfer of the claim just before."""
    prior = _recent_claim(ctx, span=2)
    verb = _FOLLOWED_RE.search(sentence)
    if prior is None or re.search(r"(?i)\b(?:not|never|if|whether)\b", sentence[:verb.start()]):
        return []
    subjects = [p for p in find_parties(_mask_dateline(sentence), rules)
                if p.kind == "party" and p.end <= verb.start() and p.prep in (None, "and") and p.code != prior.recipient]
    return [Claim(p.code, prior.recipient, prior.category, prior.item, None, prior.status, "affirmed", None, sentence, 0, 0,
                  ["cue:followed", f"supplier:subject:{p.text}", "parties:recent-claim"]) for p in subjects]


def _denial_by_reference(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """'Russia has denied those reports' after a claim: the same transfer, denied by one of its parties."""
    text = _mask_dateline(sentence)
    if rules.blockers["modal"].search(text) or re.search(r"(?i)\b(?:if|whether|despite|not\s+den)", text):
        return []
    recent = [c for n, c in ctx.history if ctx.number - n <= 3]
    if not recent:
        return []
    prior = recent[-1]
    deny = _DENY_REFERENCE_RE.search(text)
    named = {p.code for p in find_parties(text[:deny.start()], rules) if p.kind in ("party", "demonym") and p.code}
    if named and not named & {prior.supplier, prior.recipient}:
        return []  # someone else denies something else
    if not named and not re.match(r"(?i)\s*(?:both|they|the two|the countries|the governments|officials in both)", text):
        return []
    claimant, _ = _find_claimant(text, len(text), rules, ctx)
    return [Claim(prior.supplier, prior.recipient, prior.category, prior.item, None, prior.status, "denied", claimant,
                  sentence, 0, 0, [f"cue:deny-reference:{deny.group(0)}", "parties:recent-claim", "stance:denied"])]


def _next_context(sentence: str, claims: list[Claim], rules: Rules, ctx: Context) -> Context:
    """Context handed to the next sentence, computed lazily-cheaply."""
    parties = find_parties(_mask_dateline(sentence), rules) if rules.party_re.search(sentence) else []
    speaker = _sentence_claimant(sentence, rules, ctx) if re.search(r"\b(?:said|says|told|added|according)\b", sentence) else None
    history = ctx.history + [(ctx.number, c) for c in claims]
    return Context(sentence, [p for p in parties if p.kind == "party"], claims, speaker or None, history, ctx.number + 1)


def detect_record(record: dict) -> dict:
    """Run detection on one {"id", "text"} record and return {"id", "claims": [...]}.

    Args:
        record: a dict with "id" and "text".
    """
    text = record.get("text") or ""
    return {"id": record.get("id"), "claims": [c.to_dict() for c in detect_claims(text)]}


def detect_jsonl(in_stream: IO[str], out_stream: IO[str], err_stream: IO[str] | None = None) -> int:
    """Read {"id","text"} JSON lines and write exactly one {"id","claims"} line per input line.

    A line that cannot be used (bad JSON, not an object, no text, blank) still gets its output line,
    {"id": <id if recoverable else null>, "claims": [], "error": "..."}, so outputs align with inputs;
    the reason also goes to err_stream.

    Args:
        in_stream: input lines.
        out_stream: where result lines go.
        err_stream: where errors go (default stderr).
    Returns the number of bad lines.
    """
    err_stream = err_stream or sys.stderr
    bad = 0
    for lineno, line in enumerate(in_stream, 1):
        try:
            result = _detect_line(line)
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a batch
            result = {"id": _recover_id(line), "claims": [], "error": f"detection failed: {type(exc).__name__}: {exc}"}
        if "error" in result:
            bad += 1
            print(f"line {lineno}: {result['error']}", file=err_stream)
        out_stream.write(json.dumps(result, ensure_ascii=False) + "\n")
    return bad


def _detect_line(line: str) -> dict:
    """Result for one input line, with an "error" key when the line is unusable."""
    if not line.strip():
        return {"id": None, "claims": [], "error": "empty line"}
    try:
        record = json.loads(line)
    except ValueError as exc:
        return {"id": _recover_id(line), "claims": [], "error": f"bad JSON: {exc}"}
    if not isinstance(record, dict):
        return {"id": None, "claims": [], "error": "not a JSON object"}
    if not isinstance(record.get("text"), str):
        return {"id": record.get("id"), "claims": [], "error": "no text string"}
    return detect_record(record)


def _recover_id(line: str):
    """The "id" value of a broken JSON line, when it can still be read."""
    m = re.search(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)', line)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Transfer-frame fallback: sentences the cue-verb path leaves empty but whose shape states a supply

_FUND_RE = re.compile(
    r"(?i)\b(?:fund(?:s|ed|ing)?|financ(?:e|es|ed|ing)|pa(?:y|ys|id|ying)\s+for|allocat(?:e|es|ed|ing)|earmark(?:s|ed|ing)?|"
    r"budget(?:s|ed)?|set(?:s|ting)?\s+aside|spen(?:d|ds|t|ding)|contribut(?:e|es|ed|ing)|top(?:s|ped|ping)?\s+up|"
    r"chip(?:s|ped)?\s+in|bankroll(?:s|ed|ing)?)\b")
_HELP_FRAME_RE = re.compile(
    r"\b(?:[Hh]elp|[Hh]elps|[Hh]elped|[Hh]elping|[Aa]ssist(?:s|ed|ing)?)\s+(?P<obj>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})\s+"
    r"(?:to\s+)?(?P<verb>build|rebuild|develop|set up|produce|make|improve|upgrade|equip|arm|modernise|modernize|restore|"
    r"expand|establish|launch|put)\b")
_AID_NOUN_RE = re.compile(
    r"(?i)\b(?:(?:military|security|defen[cs]e|weapons|arms|war)\s+(?:aid|assistance|support|help|packages?|deliveries|"
    r"supplies|shipments|donations|funding)|aid\s+packages?|(?:aid|assistance)(?=\s+(?:to|for)\s+[A-Z])|"
    r"(?<=['’]s )(?:supply|supplies|deliveries|shipments?|transfers?|sales?|exports?)\s+of)\b")
_DONOR_RE = re.compile(
    r"(?i)\b(?:biggest|largest|second[- ]largest|third[- ]largest|second[- ]biggest|top|main|leading|key|major|chief|"
    r"principal|primary|most important)\s+(?:military\s+|arms\s+|weapons\s+|foreign\s+)?"
    r"(?:donor|supplier|provider|arms\s+supplier)s?\b")
_DENY_NOMINAL_RE = re.compile(
    r"(?i)\b(?:den(?:y|ies|ied|ying)|dismiss(?:es|ed|ing)?|reject(?:s|ed|ing)?)\s+(?:that\s+|any\s+|all\s+|the\s+)*"
    r"(?:[\w'’.-]+\s+){0,5}?(?:(?:arms|weapons|military|munitions?)\s+(?:transfers?|trade|deals?|deliveries|supplies|"
    r"shipments|sales|exports)|troops|soldiers)\b")
_AID_BLOCK_BEFORE_RE = re.compile(
    r"(?i)\b(?:by|after|thanks to|without|replenish\w*|deplet\w*|relian\w*|rel(?:y|ies|ied) on|dependen\w*|lack of|"
    r"shortages? of|delays? (?:in|to)|debate|need(?:s|ed)?|request\w*|paus\w*|halt\w*|freez\w*|froze|end of|fate of|"
    r"future of|question of|oppos\w*|against|critic\w*|block\w*|stall\w*)\s+(?:[\w'’$€£.,-]+\s+){0,4}$")
_OWN_SPENDING_RE = re.compile(r"(?i)\b(?:on (?:its |their )?(?:own )?defen[cs]e|of (?:its |their )?GDP|% of|per cent of|percent of|"
                              r"production|produce|manufactur\w*|domestic|its own|their own)\b")
_FALLBACK_FUTURE_RE = re.compile(r"(?i)\b(?:will|would|plans?|planned|to be|is to|are to|set to|expected to|agreed to|"
                                 r"pledged?|promised?|commit\w*|approv\w*|pass(?:es|ed)?)\b|^\s*(?:(?:and\s+)?[A-Z][\w.'’-]*,?\s+){1,4}to\s")


# the funded object points back at an item already claimed ("pay for 45 of the tanks", "fund the rest")
_FUND_ANAPHOR_RE = re.compile(r"(?i)\s+(?:(?:the\s+)?(?:[\d,.]+|half|some|all|most|part|each|rest)\s+of\s+)?"
                              r"(?:the|these|those)\s+(?:[\w-]+\s+){0,2}?(?:tanks|vehicles|systems|jets|aircraft|"
                              r"missiles|drones|shells|rounds|howitzers|weapons|launchers|guns|helicopters)\b")
_FROM_PARTY_RE = re.compile(r"\b(?:from|by)\s+(?:the\s+)?[A-Z]")


def _from_origin_claims(text: str, sentence: str, parties: list[Mention], items: list[Mention], ctx: Context,
                        rules: Rules) -> list[Claim]:
    """'alongside Marder fighting vehicles from Germany': items from a state, to the recipient of the article's claims."""
    if rules.blockers["use"].search(text) or rules.blockers["domestic"].search(text):
        return []
    recent = [c for n, c in ctx.history if ctx.number - n <= 6 and c.recipient]
    if not recent:
        return []
    recipient = recent[-1].recipient
    out = []
    for it in items:
        if it.priority == 0 or it.code in (None, "personnel", "technology"):
            continue
        m = re.match(r"\s+(?:\w+\s+)?from\s+(?:the\s+)?", text[it.end:it.end + 30])
        src = next((p for p in parties if m and p.start == it.end + m.end()), None)
        if src is None or src.code == recipient or src.possessive:
            continue
        out.append(Claim(src.code, recipient, it.code, it.text, None, "delivered", "affirmed", None, sentence, 0, 0,
                         ["cue:fallback:from-origin", "recipient:article-claim"]))
    return _merge_claims(out)


def _nominal_denial(text: str, sentence: str, deny: re.Match, parties: list[Mention], ctx: Context,
                    rules: Rules) -> list[Claim]:
    """'Russia and North Korea deny arms transfers between them': the article's claim between the two, denied."""
    if rules.blockers["use"].search(text[deny.end():]):
        return []
    named = {p.code for p in parties}
    prior = next((c for _, c in reversed(ctx.history) if c.supplier in named and c.recipient in named), None)
    if prior is None or len(named) < 2:
        return []
    items = [it for it in find_items(text, rules, []) if not it.weak]
    item = next((it for it in items if it.priority > 0), items[0] if items else None)
    claimant, _ = _find_claimant(text, len(text), rules, ctx)
    return [Claim(prior.supplier, prior.recipient, item.code if item is not None and item.code else prior.category,
                  item.text if item else prior.item, None, prior.status, "denied", claimant, sentence, 0, 0,
                  ["cue:fallback:deny-nominal", "parties:article-claim", "stance:denied"])]


def frame_fallback_claims(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """Claims from transfer shapes without a transfer verb: funding, 'helped X build', aid nouns, donors, denials.

    Args:
        sentence: the sentence text.
        ctx: what earlier sentences of the article offer (recent claims give the missing side).
        rules: compiled lexicons.
    """
    text = _mask_dateline(sentence)
    if text.rstrip(" \"'”’)").endswith("?"):
        return []
    deny = _DENY_NOMINAL_RE.search(text)
    fund = _FUND_RE.search(text)
    helped = _HELP_FRAME_RE.search(text)
    aid = _AID_NOUN_RE.search(text)
    donor = _DONOR_RE.search(text)
    origin = _FROM_PARTY_RE.search(text)
    if not (deny or fund or helped or aid or donor or origin):
        return []
    if re.search(r"(?i)\b(?:if|unless|whether)\b", text):
        return []
    parties = [p for p in find_parties(text, rules) if p.kind == "party" and p.code and p.code != NON_STATE]
    if not parties and aid and ctx.claims and ctx.claims[-1].supplier and ctx.claims[-1].recipient:
        parties = [Mention(0, 0, "", "party", ctx.claims[-1].supplier, "of", True)]  # "The budget for military aid ..."
    if deny and parties and not re.search(r"(?i)\b(?:nor|not|never|or)\s+(?:\w+\s+)?den", text):
        return _nominal_denial(text, sentence, deny, parties, ctx, rules)
    if any(rules.blockers[k].search(text) for k in ("request", "conditional")) or any(
            not re.fullmatch(r"(?i)frozen|freez\w*|delay\w*", m.group(0)) for m in rules.blockers["refusal"].finditer(text)):
        return []  # frozen assets and months of delay are no refusal
    if not parties:
        return []
    demonyms = [p for p in find_parties(text, rules) if p.kind == "demonym"]
    items = [it for it in find_items(text, rules, demonyms) if not it.weak]
    item = next((it for it in items if it.priority > 0), items[0] if items else None)
    hedge = rules.blockers["hedge"].search(text)
    stance = "hedged" if hedge else "affirmed"
    status = "committed" if _FALLBACK_FUTURE_RE.search(text) else "delivered"
    claimant, _ = _find_claimant(text, len(text), rules, ctx)

    def make(sups, rec, cat, item_text, cue, stance=stance, status=status):
        return [Claim(s, rec, cat, item_text, None, status, stance, claimant, sentence, 0, 0, [cue, f"stance:{stance}"])
                for s in dict.fromkeys(sups) if s and rec and s != rec]

    if deny:
        return []  # "neither confirmed nor denied": no denial
    military = bool(item) or bool(aid) or bool(rules.military_re.search(text)) or bool(
        fund and re.match(r"(?i)contribut|allocat|top|chip|earmark", fund.group(0)) and _article_is_military(ctx, rules) and
        not rules.blockers["non_military"].search(text))
    if helped and (military or _article_is_military(ctx, rules)):
        obj = next((p for p in parties if p.start == helped.start("obj")), None)
        helpers = [p for p in find_parties(text, rules) if p.kind in ("party", "demonym") and p.code and
                   p.end <= helped.start() and p.prep in (None, "and") and not p.possessive and
                   not rules.blockers["speech"].search(text[p.end:helped.start()])]
        subj = [helpers[-1].code] if helpers else []
        if obj is not None and subj:
            arming = helped.group("verb") in ("equip", "arm")
            cat = (item.code if item and item.code != "personnel" else "unspecified") if arming else "technology"
            return make(subj, obj.code, cat, text[helped.end("obj"):helped.end() + 30].strip(), "cue:fallback:help-build")
    if not military:
        return []
    if not (donor or aid or fund):
        return _from_origin_claims(text, sentence, parties, items, ctx, rules)
    anchor = donor or aid or fund
    if anchor is None:
        return []
    if aid and _AID_BLOCK_BEFORE_RE.search(text[max(0, aid.start() - 60):aid.start()]):
        return []  # "stocks drawn down by military aid to Ukraine": the aid is presupposed
    if aid and rules.blockers["non_military"].search(text[max(0, aid.start() - 25):aid.end()]):
        return []  # humanitarian aid
    subj = [p.code for p in parties if p.end <= anchor.start() and p.prep in (None, "and") and not p.possessive and
            (fund and not (donor or aid) and re.search(r"\b(?:it|they)\s+(?:\w+\s+){0,3}$", text[p.end:anchor.start()]) or
             not rules.blockers["speech"].search(text[p.end:anchor.start()]))]
    owner = [p.code for p in parties if p.possessive and 0 <= anchor.start() - p.end <= 40]
    recips = [p.code for p in parties if p.start >= anchor.start() and p.prep in ("to", "for") and
              not re.match(r"\s+(?:forces|army|military|armed)", "")]
    if donor:
        if owner and subj:  # "Germany remains Ukraine's second-largest donor"
            recips = owner
        suppliers = subj
    elif aid:
        suppliers = subj or owner
        if owner and not subj and recips:
            suppliers = owner
    else:
        suppliers = subj + [p.code for p in parties if p.start > fund.start() and p.prep == "with"]
        if item is not None and item.origin and re.search(r"(?i)\bfor\s+(?:its|their)\s+own\b", text):
            suppliers, recips = [item.origin], subj[:1]  # "will pay for Ukrainian-made drones for its own army"
        elif not recips and item is not None and item.origin and item.origin not in subj and re.search(
                r"(?i)\bproduction\b", text) and re.match(r"(?i)financ|fund|pa", fund.group(0)):
            recips = [item.origin]  # "Denmark financed the production of Ukrainian Bohdana howitzers"
        elif not recips and _FUND_ANAPHOR_RE.match(text, fund.end()) and not _OWN_SPENDING_RE.search(text):
            pass  # "will each pay for 45 of the tanks": the tanks of a recent claim, to its recipient (below)
        elif not recips and (not re.match(r"(?i)contribut|allocat|top|chip|earmark", fund.group(0)) or
                             _OWN_SPENDING_RE.search(text)):
            return []  # own defence spending or production, no recipient
    if aid and not suppliers and not recips and ctx.claims and aid.start() < 40 and re.match(
            r"(?i)\s*(?:the|this|that|its|their|such)\b", text):
        suppliers, recips = [ctx.claims[-1].supplier], [ctx.claims[-1].recipient]  # "The budget for military aid will fall"
    if not recips:
        recent = [c for n, c in ctx.history if ctx.number - n <= 4 and c.recipient and c.recipient not in suppliers]
        if recent and (fund or aid):
            recips = [recent[-1].recipient]
    if not suppliers or not recips:
        return []
    if rules.blockers["use"].search(text[:anchor.start()]) and not fund:
        return []
    cat = item.code if item is not None and item.code else "unspecified"
    return [c for r in recips[:1] for c in make(suppliers, r, cat, item.text if item else anchor.group(0),
                                                 f"cue:fallback:{'donor' if donor else 'aid-noun' if aid else 'fund'}")]


_LOADED_ONTO_RE = re.compile(
    r"\b(?:loaded|put|smuggled|placed|stowed)\s+(?:on|onto|aboard|on board)\s+(?:(?:an?|the)\s+)?(?P<dem>[A-Z][\w-]*)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:ship|vessel|freighter|plane|aircraft|cargo plane|train|trucks?|dhow|boat)\b")
_BOUND_FOR_RE = re.compile(
    r"\b(?:bound for|destined for|headed (?:to|for)|heading (?:to|for)|en route to|(?:being|been|was|were)\s+"
    r"(?:shipped|sent|smuggled|transported|delivered)\s+to)\s+")
_SUPPLIED_TO_RE = re.compile(r"(?i)-(?:supplied|provided|donated|sent)\s+(?:[\w-]+\s+){0,2}?[\w-]+\s+to\s+")


_SHIPMENT_WORD_RE = re.compile(r"(?i)\b(?:seiz\w*|confiscat\w*|interdict\w*|shipments?|cargo|consignments?|vessels?|ships?|"
                               r"dhows?|smuggl\w*|containers?|freighters?|customs|parts|components)\b")
_IN_FLIGHT_RE = re.compile(r"(?i)\b(?:shot down|intercept\w*|downed|launch\w*|fired|struck|strikes?|attack\w*|flying|flew)\b")


def moved_goods_claims(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """Goods caught on the move: 'arms were loaded onto a Russian ship in South Africa', 'Iranian missile parts
    bound for the Houthis', 'a seizure of Iranian-supplied weapons to the Houthis' (an attempted transfer, under way).

    Args:
        sentence: the sentence text.
        ctx: what earlier sentences of the article offer (unused beyond the claimant).
        rules: compiled lexicons.
    """
    text = _mask_dateline(sentence)
    loaded = _LOADED_ONTO_RE.search(text)
    bound = _BOUND_FOR_RE.search(text)
    supplied = _SUPPLIED_TO_RE.search(text)
    if not (loaded or bound or supplied):
        return []
    anchor_end = max(m.end() for m in (loaded, bound, supplied) if m)
    if rules.blockers["use"].search(text[:anchor_end + 40]):
        return []  # "launched US-supplied missiles at ...": the supply is presupposed
    if any(rules.blockers[k].search(text) for k in ("request", "conditional", "refusal")):
        return []
    found = find_parties(text, rules)
    demonyms = [p for p in found if p.kind == "demonym"]
    items = [it for it in find_items(text, rules, demonyms) if not it.weak and it.code and it.code != "personnel"]
    parties = [p for p in found if p.kind == "party" and p.code]
    hedge = rules.blockers["hedge"].search(text)
    claimant, _ = _find_claimant(text, len(text), rules, ctx)

    def make(sup, rec, item, cue):
        sup, rec = (None if x == NON_STATE else x for x in (sup, rec))
        if not (sup or rec) or sup == rec:
            return []
        return [Claim(sup, rec, item.code, item.text, None, "delivered", "hedged" if hedge else "affirmed", claimant,
                      sentence, 0, 0, [cue, "status:under-way"])]

    if loaded:
        goods = next((it for it in items if it.end <= loaded.start()), None)
        vessel = next((p for p in demonyms if p.start == loaded.start("dem")), None)
        place = next((p for p in parties if p.start >= loaded.end() and p.prep in ("in", "at") and
                      p.start - loaded.end() <= 40), None)
        if goods is not None and vessel is not None:
            return make(place.code if place else None, vessel.code, goods, "cue:moved:loaded-onto")
    if bound and not (_SHIPMENT_WORD_RE.search(text) and not _IN_FLIGHT_RE.search(text)):
        bound = None  # "drones headed for Kyiv were shot down": an attack, not a shipment
    anchor = bound or supplied
    if anchor is not None:
        goods = next((it for it in reversed(items) if it.origin and it.end <= anchor.end() and
                      anchor.start() - it.end <= 30), None)
        dest = next((p for p in parties if p.start >= anchor.end() and
                     re.fullmatch(r"(?:the\s+)?(?:[A-Z][\w-]*['’]s\s+)?", text[anchor.end():p.start])), None)
        if goods is not None and dest is not None:
            return make(goods.origin, dest.code, goods, "cue:moved:bound-for")
    return []


_ANAPHORIC_TRANSFER_RE = re.compile(
    r"(?i)\b(?:(?:would|will|to|had|has|have|was|were|is|are|being|be|been)\s+(?:\w+\s+){0,2}"
    r"(?:delivered|sent|supplied|provided|shipped|transferred|handed over|donated|flown|airlifted|transported)|arriv(?:e|es|ed|ing)|"
    r"on (?:its|their|the) way|includ(?:e|es|ed|ing)|contain(?:s|ed)?)\b")
_ANAPHOR_NOUN_RE = re.compile(
    r"(?i)\b(?:the|these|those|this|that|its|their|the new|the latest|the first|the second|the next|the rest)\s+"
    r"(?:\w+\s+){0,2}?(?:package|aid|weapons|system|systems|shipments?|batch|deliveries|jets|aircraft|tanks|missiles|"
    r"shells|drones|equipment|vehicles|munitions|rounds|guns|first|rest|tranche|consignment)\b|^\s*(?:They|It)\b")


def anaphoric_transfer_claims(sentence: str, ctx: Context, rules: Rules) -> list[Claim]:
    """'The tanks are expected to arrive by March', 'The new package also includes ...': the sides of a recent claim.

    Args:
        sentence: the sentence text.
        ctx: earlier sentences of the article; a claim within the last six sentences gives the sides.
        rules: compiled lexicons.
    """
    text = _mask_dateline(sentence)
    verb = _ANAPHORIC_TRANSFER_RE.search(text)
    if verb is None or text.rstrip(" \"'”’)").endswith("?"):
        return []
    package = re.search(r"(?i)\b(?:the|this|that)\s+(?:new\s+|latest\s+|same\s+)?(?:package|tranche|aid package)\b",
                        text[:verb.start()])
    span = 15 if package else 6  # "the new package" reaches back to the package claim, wherever it was
    recent = [c for n, c in ctx.history if ctx.number - n <= span and c.supplier and c.recipient]
    if not recent:
        return []
    items = [it for it in find_items(text, rules, []) if not it.weak and it.code != "personnel" and not re.search(
        r"(?i)\b(?:on|aboard|by|via|using|in)\s+(?:[\w-]+\s+){0,2}$", text[max(0, it.start - 30):it.start])]  # "flown on C-17s"
    inside = [(it.start, it.end) for it in items]
    use = [m for m in rules.blockers["use"].finditer(text) if not any(s <= m.start() < e for s, e in inside)]
    if re.search(r"(?i)\b(?:if|unless|whether|not|never|no)\b", text) or use or any(
            rules.blockers[k].search(text) for k in ("request", "conditional", "refusal", "modal")):
        return []  # "could be delivered quickly" is logistics, not a claim
    named = {p.code for p in find_parties(text, rules) if p.kind == "party" and p.code}
    prior = next((c for c in reversed(recent) if named <= {c.supplier, c.recipient}), None)
    if prior is None:
        return []
    same = next((it for it in items if it.code == prior.category), None)
    named_item = next((it for it in items if it.priority >= 2), None) if re.search(r"(?i)\b(?:also|further|additional|more)\b", text) else None
    item = same or (items[0] if items and _ANAPHOR_NOUN_RE.search(text[:verb.start()]) else named_item)
    if item is None and not _ANAPHOR_NOUN_RE.search(text[:verb.start()]):
        return []
    if item is not None and item.origin and item.origin not in (prior.supplier, prior.recipient):
        return []
    hedge = rules.blockers["hedge"].search(text) or rules.blockers["modal"].search(text) or re.search(r"(?i)\bexpected\b", text)
    stance = "hedged" if hedge else "affirmed"
    status = "committed" if re.search(r"(?i)\b(?:will|would|to be|expected|set to|due to|shall)\b", text) else (
        "delivered" if re.search(r"(?i)arrived|delivered|sent|shipped|handed|donated|supplied|provided", verb.group(0))
        else prior.status)
    claimant, _ = _find_claimant(text, len(text), rules, ctx)
    return [Claim(prior.supplier, prior.recipient, item.code if item else prior.category, item.text if item else prior.item,
                  None, status, stance, claimant, sentence, 0, 0,
                  [f"cue:anaphoric-transfer:{verb.group(0)}", "parties:recent-claim", f"stance:{stance}"])]


_LED_BY_RE = re.compile(r"(?i)\b(?:coalition|group|alliance|initiative)\s+(?:of\s+(?:\w+\s+){0,2})?(?:led|headed|spearheaded)\s+by\b|"
                        r"\blead(?:s|ing)?\s+(?:a\s+|the\s+)?(?:\w+\s+){0,2}coalition\b")
_PART_OF_PACKAGE_RE = re.compile(
    r"(?i)\b(?:(?:was|were|is|are|will be|would be)\s+(?:\w+\s+)?(?:part of|included in|among)|"
    r"(?:would|will)\s+include)\s+(?:[\w$€£.,-]+\s+){0,6}?(?:package|tranche|aid|assistance|deliver(?:y|ies)|shipments?)\b")


# a sentence opening with a state's government speaking: "Germany's government said", "Berlin announced"
_GOVERNMENT_SPEAKER_RE = re.compile(
    r"\s*(?:The\s+)?(?:[A-Z][\w.-]*\s+){0,2}?[A-Z][\w.-]*(?:(?:['’]s)?\s+(?:federal\s+)?(?:government|cabinet|chancellery|"
    r"(?:defen[cs]e\s+|foreign\s+)?ministry))?,?\s+(?:has\s+|have\s+|had\s+|also\s+)?"
    r"(?:said|says|announced|announces|confirmed|confirms|stated)\s+(?:on\s+\w+\s+)?(?:that\s+)?")


def fix_claim_sides(sentence: str, claims: list[Claim], rules: Rules) -> list[Claim]:
    """Repair sides and category that the cue path gets wrong in two nominal shapes.

    'Germany remains Ukraine's second-largest donor, having delivered ...' (the possessive is the recipient) and
    'ATACMS were part of a $300 million package' (the named item, not the package, is what moves).

    Args:
        sentence: the sentence text.
        claims: the claims found in it.
        rules: compiled lexicons.
    """
    if not claims:
        return claims
    text = _mask_dateline(sentence)
    donor = _DONOR_RE.search(text)
    if donor:
        parties = [p for p in find_parties(text, rules) if p.kind == "party" and p.code]
        owner = next((p for p in reversed(parties) if p.possessive and 0 <= donor.start() - p.end <= 25), None)
        subj = next((p for p in parties if p.end <= donor.start() and p.prep is None and not p.possessive), None)
        if owner is not None and subj is not None and owner.code != subj.code:
            for c in claims:
                if {c.supplier, c.recipient} & {owner.code, None} and c.supplier != subj.code:
                    c.supplier, c.recipient = subj.code, owner.code
                    c.cues.append("sides:donor-of")
    led = _LED_BY_RE.search(text)
    if led:
        lo = max(0, led.start() - 40) if led.group(0).lower().startswith("lead") else led.start()
        leaders = [p.code for p in find_parties(text, rules) if p.kind == "party" and lo <= p.start < led.end() + 50
                   and p.code not in (None, "WEST", "EU", "NATO") and p.prep in (None, "and", "by")]
        leaders = [code for code in dict.fromkeys(leaders) if all(code != c.recipient for c in claims)]
        if leaders and all(c.supplier in leaders + ["WEST"] for c in claims):
            claims = [Claim(code, c.recipient, c.category, c.item, c.quantity, c.status, c.stance, c.claimant, c.sentence,
                            c.start, c.end, c.cues + ["supplier:coalition-leader"])
                      for c in claims for code in leaders]
    speaker = _GOVERNMENT_SPEAKER_RE.match(text)
    if speaker and any(c.supplier is None and any(n.endswith(":passive") for n in c.cues) for c in claims):
        state = next((p for p in find_parties(text[:speaker.end()], rules) if p.kind == "party" and p.code and
                      p.code not in (NON_STATE, "WEST", "NATO")), None)
        for c in claims:
            if state is not None and c.supplier is None and c.recipient not in (None, state.code) and \
                    any(n.endswith(":passive") for n in c.cues):
                c.supplier = state.code  # "Germany's government said the rounds would be delivered to Ukraine"
                c.cues.append(f"supplier:speaking-government:{state.text}")
    part = _PART_OF_PACKAGE_RE.search(text)
    if part:
        named = [it for it in find_items(text[:part.end()], rules, []) if it.priority > 0 and not it.weak and it.code]
        for c in claims:
            if c.category == "unspecified" and named:
                c.category, c.item = named[0].code, named[0].text
                c.cues.append("category:part-of-package")
    return _merge_claims(claims)
