"""Items a sentence names (weapons, troops, aid) with their category, merged into noun phrases."""

from __future__ import annotations

import re

from pipeline.claims.claim import Mention
from pipeline.claims.lexicon import Lexicon, normalise_key

# "arms makers", "missile strikes": the term names something else than an item being moved
_NOT_AN_ITEM_AFTER_RE = re.compile(
    r"[\s-]+(?:maker|makers|manufacturer|manufacturers|industry|industries|factory|factories|production|plant|plants|"
    r"sector|company|companies|firm|firms|producer|producers|stockpile|stockpiles|strike|strikes|attack|attacks|fire|"
    r"shortage|shortages|war|policy|control|controls|race|program|programme|programs|programmes|test|tests|launch|"
    r"launches|crisis|dispute|talks|sanctions|embargo|ban|treaty|threat|threats|debris|wreckage|alert|alerts|sirens?|"
    r"defen[cs]e)\b")
_NOT_ARMOUR_BEFORE_RE = re.compile(r"(?i)\b(?:think|septic|fuel|water|oil|gas|storage|fish)[\s-]+$")
# "300,000 rounds": a counted round is ammunition ("rounds of talks" is not)
_NUMBERED_ROUNDS_RE = re.compile(r"\d(?:[\d,.]*\d)?(?:\s+(?:million|billion|thousand))?\s+(?P<item>rounds)\b"
                                 r"(?!\s+of\s+(?!ammunition|ammo|artillery|shells|munitions))")
_SMALL_ARMS_RE = re.compile(r"(?i)\b(?:rifles?|carbines?|pistols?|machine ?guns?|small arms|firearms|guns)\b")
_PLAIN_AMMO_RE = re.compile(r"(?i)(?:[\d,.]+\s+)?(?:rounds?(?: of ammunition)?|ammunition|ammo|cartridges|bullets)")
_ARTILLERY_WORD_RE = re.compile(r"(?i)\b(?:shells?|artillery|howitzers?|mortars?|tanks?|\d+\s?mm|calib(?:er|re)|HIMARS|"
                                r"rockets?)\b")
_BARE_FIGHTER_RE = re.compile(r"(?i)^(?:[\w'’-]+\s+){0,2}fighters?$")
_BARE_ROCKET_RE = re.compile(r"(?i)^(?:[\w-]+\s+){0,2}rockets?$")
_MODIFIERS_RE = re.compile(r"\s+(?:(?!(?:and|or|to|for|from|with|of|the|a|an|in|on|at|by|as|that|which)\b)"
                           r"[a-z][\w-]*\s+){1,3}")
_MODEL_BEFORE_RE = re.compile(r"(?<![\w-])[A-Z][A-Za-z]{0,3}-\d{1,3}[A-Z]{0,3}(?:/[A-Z]{1,2})?\s+$")
_ADJACENT_RE = re.compile(r"[\s-]*(?:\(\w+\)\s*)?(?:(?<=-)[A-Z0-9]{1,4}\s+)?")
_FOR_PLATFORM_RE = re.compile(r"\s+for\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}")
# "shells for satellite technical advice", "arms for troops": goods traded for, or meant for, are not platforms
_NOT_PLATFORMS = frozenset({"technology", "personnel", "unspecified"})
_ORIGIN_GAP_RE = re.compile(r"[\s-]*(?:[\w/-]+\s+){0,3}")
_ORIGIN_GAP_STOP_RE = re.compile(r"(?i)\b(?:by|of|to|for|from|in|on|with|and|or|that|which|depleted|used|stocks|has|have|"
                                 r"had|is|are|was|were|sent|sends|supplied|delivered|received|bought|sold)\b")


def find_items(text: str, lex: Lexicon, demonyms: list[Mention]) -> list[Mention]:
    """Find items and merge adjacent terms into one noun phrase ('K9 self-propelled howitzers').

    Args:
        text: one sentence.
        lex: the compiled lexicons.
        demonyms: demonym mentions of the sentence, which mark an item's origin ('Iranian drones').
    """
    merged = _merge_adjacent(text, _raw_items(text, lex))
    merged = _fold_platforms(text, merged)
    for it in merged:
        model = _MODEL_BEFORE_RE.search(text, max(0, it.start - 16), it.start)
        if it.weak and model:  # "FA-50 jets": a hyphenated model designation makes a generic noun a weapon
            it.start, it.text, it.weak = model.start(), text[model.start():it.end], False
    _fix_categories(text, merged)
    _mark_origins(text, merged, demonyms)
    return merged


def _raw_items(text: str, lex: Lexicon) -> list[Mention]:
    """Every lexicon term in the sentence, with its category and priority."""
    raw = []
    for m in lex.item_re.finditer(text):
        key = normalise_key(m.group(0))
        entry = lex.item_map.get(key) or lex.item_map.get(re.sub(r"(?:e?s|'s)$", "", key)) \
            or lex.item_map.get(key.rstrip("s")) or lex.item_map.get(re.sub(r"ies$", "y", key))
        if entry is None or _NOT_AN_ITEM_AFTER_RE.match(text[m.end():m.end() + 14]):
            continue
        if re.match(r"(?i)tanks?\b", m.group(0)) and _NOT_ARMOUR_BEFORE_RE.search(text[max(0, m.start() - 10):m.start()]):
            continue  # "the think tank said"
        category, priority = entry
        weak = key in lex.weak_items or key.rstrip("s") in lex.weak_items
        raw.append(Mention(m.start(), m.end(), m.group(0), "item", category, priority=priority, weak=weak))
    for m in _NUMBERED_ROUNDS_RE.finditer(text):
        if not any(r.start <= m.start("item") < r.end for r in raw):
            raw.append(Mention(m.start("item"), m.end("item"), m.group("item"), "item", "artillery_ammunition", priority=1))
    return sorted(raw, key=lambda r: r.start)


def _merge_adjacent(text: str, raw: list[Mention]) -> list[Mention]:
    """Join terms that form one noun phrase; the more specific term gives the category."""
    merged: list[Mention] = []
    for it in raw:
        last = merged[-1] if merged else None
        gap = text[last.end:it.start] if last else ""
        if last is not None and " for " not in last.text and (
                _ADJACENT_RE.fullmatch(gap) or (last.priority == 2 and it.priority == 1 and _MODIFIERS_RE.fullmatch(gap))):
            if it.priority > last.priority or (it.priority == last.priority and it.priority < 2):
                last.code, last.priority = it.code, it.priority
            last.weak = last.weak and it.weak
            last.end, last.text = it.end, text[last.start:it.end]
            continue
        merged.append(it)
    return merged


def _fold_platforms(text: str, items: list[Mention]) -> list[Mention]:
    """'munitions for fighter jets': the platform after 'for' is not the item moved (missiles for air defence are)."""
    out: list[Mention] = []
    for it in items:
        prev = out[-1] if out else None
        if prev is not None and it.priority > 0 and it.code not in _NOT_PLATFORMS \
                and _FOR_PLATFORM_RE.fullmatch(text[prev.end:it.start]):
            if prev.code == "missiles" and it.code == "air_defense":
                prev.code, prev.priority = it.code, max(prev.priority, 1)
            prev.end, prev.text, prev.weak = it.end, text[prev.start:it.end], prev.weak and it.weak
            continue
        out.append(it)
    return out


def _fix_categories(text: str, items: list[Mention]) -> None:
    """Categories that depend on the other items: rifle rounds, 'instructors and fighters', bare rockets."""
    artillery = any(it.code in ("artillery_ammunition", "artillery_systems") and not _BARE_ROCKET_RE.search(it.text)
                    for it in items)
    people = any(it.code == "personnel" for it in items)
    small_arms = any(it.code == "small_arms_light_weapons" and _SMALL_ARMS_RE.search(it.text) for it in items)
    for it in items:
        if small_arms and it.code == "artillery_ammunition" and _PLAIN_AMMO_RE.fullmatch(it.text) \
                and not _ARTILLERY_WORD_RE.search(text):
            it.code = "small_arms_light_weapons"
        if people and it.code == "aircraft" and _BARE_FIGHTER_RE.search(it.text):
            it.code = "personnel"
        if it.code == "artillery_ammunition" and not artillery and _BARE_ROCKET_RE.search(it.text):
            it.code = "missiles"


def _mark_origins(text: str, items: list[Mention], demonyms: list[Mention]) -> None:
    """'North Korean shells', 'Russian instructors and fighters': the demonym names the items' origin."""
    for it in items:
        for dem in demonyms:
            gap = text[dem.end:it.start]
            if 0 <= it.start - dem.end <= 30 and _ORIGIN_GAP_RE.fullmatch(gap) and not _ORIGIN_GAP_STOP_RE.search(gap):
                it.origin = dem.code
                it.start, it.text = dem.start, text[dem.start:it.end]
    for first, second in zip(items, items[1:]):
        if first.origin and not second.origin and re.fullmatch(r"\s*(?:,\s*|and\s+|or\s+|,\s*and\s+)",
                                                                text[first.end:second.start]):
            second.origin = first.origin
