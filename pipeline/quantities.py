"""Quantities with bounds from news wording: "over one million", "up to 6 million", "$2.5 billion"."""

from __future__ import annotations

import re

_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "a dozen": 12, "dozen": 12, "half a": 0.5, "a half": 0.5,
}
_SCALES = {"hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6,
           "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_NUM = (r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|a dozen|half a|an?|one|two|three|four|five|six|seven|"
        r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
        r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)")
_SCALE = r"(?:[\s-]*(?:hundred|thousand|million|billion|trillion)\b|(?:bn|mln|m|tn|k|b)\b)?"
_MIN_WORDS = r"more than|over|at least|in excess of|upwards of|exceeding|well over|just over|over a|above|a minimum of|no fewer than|no less than"
_MAX_WORDS = r"up to|as many as|no more than|fewer than|less than|under|nearly|almost|close to|just under|a maximum of|not more than"
_ABOUT_WORDS = r"about|around|approximately|roughly|some|an estimated|estimated|a total of|total of|a further|another|an additional|additional"
_CURRENCY_PRE = {"$": "usd", "us$": "usd", "usd": "usd", "€": "eur", "eur": "eur", "£": "gbp", "gbp": "gbp"}
_CURRENCY_POST = {"dollars": "usd", "dollar": "usd", "euros": "eur", "euro": "eur", "pounds": "gbp", "pound": "gbp"}

_AMOUNT = re.compile(
    rf"(?P<bound>(?:{_MIN_WORDS}|{_MAX_WORDS}|{_ABOUT_WORDS})\s+)?(?:between\s+)?"
    rf"(?P<cur>US\$|\$|€|£|USD\s?|EUR\s?|GBP\s?)?(?P<num>{_NUM})(?P<scale>{_SCALE})"
    rf"(?:\s*(?:-|–|to|and|or)\s*(?P<cur2>US\$|\$|€|£)?(?P<num2>{_NUM})(?P<scale2>{_SCALE}))?"
    rf"(?:\s+(?P<curpost>dollars?|euros?|pounds?)\b)?",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?P<v>tens of thousands|hundreds of thousands|thousands|hundreds|dozens|millions|tens of millions|"
    r"several thousand|several hundred|several million|a few thousand|a few hundred)\s+of\b|"
    r"\b(?P<v2>several thousand|several hundred|several million|a few thousand|a few hundred)\b",
    re.IGNORECASE,
)
_VAGUE_BOUNDS = {
    "tens of thousands": (1e4, 1e5), "hundreds of thousands": (1e5, 1e6), "thousands": (1e3, 1e4),
    "hundreds": (1e2, 1e3), "dozens": (12, 100), "millions": (1e6, 1e7), "tens of millions": (1e7, 1e8),
    "several thousand": (2e3, 1e4), "several hundred": (2e2, 1e3), "several million": (2e6, 1e7),
    "a few thousand": (2e3, 1e4), "a few hundred": (2e2, 1e3),
}
_UNITS = (
    ("rounds", r"rounds?|shells?|munitions?|ammunition|projectiles?|artillery rounds?|artillery shells?|"
               r"mortar rounds?|mortar shells?|cartridges?|bullets?|rockets?"),
    ("containers", r"containers?|shipping containers?"),
    ("troops", r"troops?|soldiers?|personnel|servicemen|service members|fighters|workers|"
               r"labou?rers|officers|engineers|specialists|mercenaries|military workers|sappers"),
    ("transfers", r"arms transfers?|transfers?"),
    ("shipments", r"shipments?|deliveries|consignments?|batch(?:es)?|trainloads?|train cars?|rail cars?|"
                  r"railcars?|flights|cargo flights"),
)


def parse_number(num: str, scale: str = "") -> float | None:
    """Turn "1,000", "2.5", "one" plus an optional scale word into a number.

    Args:
        num: the digits or number word.
        scale: "million", "bn" and the like, or "".
    """
    low = num.lower().strip()
    if low in _WORD_NUMBERS:
        value = float(_WORD_NUMBERS[low])
    else:
        try:
            value = float(low.replace(",", ""))
        except ValueError:
            return None
    scale = scale.strip(" -").lower()
    if scale:
        value *= _SCALES.get(scale, 1)
    return value


def _clean(value: float | None) -> int | float | None:
    """Give whole numbers as int for JSON."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def find_quantity(text: str, anchor: int, anchor_end: int, blocked: list[tuple[int, int]]) -> dict | None:
    """Find the quantity tied to the item at text[anchor:anchor_end], or a money amount nearby.

    Args:
        text: the clause or sentence text.
        anchor: start of the item phrase (or -1 when there is no item).
        anchor_end: end of the item phrase.
        blocked: spans (designations such as "Leopard 2") whose digits are not quantities.
    """
    best = None
    for m in _AMOUNT.finditer(text):
        if any(s <= m.start("num") < e for s, e in blocked):
            continue
        q = _amount_to_quantity(m, text)
        if q is None:
            continue
        q, unit_end = q
        money = q["unit"] in ("usd", "eur", "gbp")
        near_item = anchor >= 0 and 0 <= anchor - unit_end <= 40 and m.end() <= anchor_end
        rank = 0 if near_item else (1 if money else (2 if q["unit"] != "items" else 9))
        if rank < 9 and (best is None or rank < best[0]):
            best = (rank, q)
    if best is None:
        for m in _VAGUE.finditer(text):
            key = (m.group("v") or m.group("v2")).lower()
            lo, hi = _VAGUE_BOUNDS[key]
            unit = _unit_after(text, m.end())
            if unit is None and not (anchor >= 0 and 0 <= anchor - m.end() <= 40):
                continue
            best = (5, {"min": _clean(lo), "max": _clean(hi), "unit": unit or "items", "text": m.group(0)})
            break
    return best[1] if best else None


def _amount_to_quantity(m: re.Match, text: str) -> tuple[dict, int] | None:
    """Build a quantity from one _AMOUNT match, or None when it is not a quantity."""
    num = m.group("num")
    scale = m.group("scale") or ""
    cur = (m.group("cur") or m.group("cur2") or "").strip().lower()
    curpost = (m.group("curpost") or "").lower()
    if num.lower() in ("a", "an", "half a") and not scale.strip() and not m.group("num2"):
        return None
    after = text[m.end(): m.end() + 12]
    if re.match(r"\s*(?:-|\s)?(?:mm\b|millimet|caliber|calibre|percent|%|km|kilomet|miles?\b|years?\b|days?\b|"
                r"months?\b|weeks?\b|hours?\b|minutes?\b|times\b|-year|-day|-month|th\b|st\b|nd\b|rd\b|am\b|pm\b)", after,
                re.IGNORECASE) and not cur:
        return None
    if re.fullmatch(r"(19|20)\d\d", num) and not cur and not scale:
        return None
    before = text[max(0, m.start() - 12): m.start()]
    if re.search(r"(?:[A-Za-z]-?|No\.?\s?|Nos\.?\s?|#)$", before) and not cur and not m.group("bound"):
        return None  # a designation or a number label: "F-16", "KN-23", "No. 2"
    value = parse_number(num, scale)
    if value is None:
        return None
    value2 = parse_number(m.group("num2"), m.group("scale2") or scale) if m.group("num2") else None
    if value2 is not None and scale and not m.group("scale2"):
        value2 = parse_number(m.group("num2"), scale)
    if value2 is not None and not m.group("scale2") and not scale and m.group("scale2") is None:
        pass
    if cur:
        unit = _CURRENCY_PRE.get(cur, "usd")
        unit_end = m.end()
    elif curpost:
        unit = _CURRENCY_POST[curpost]
        unit_end = m.end()
    else:
        unit = _unit_after(text, m.end())
        unit_end = m.end()
        if unit is None:
            unit = "items"
    if value2 is not None and value2 < value:
        value2 = None
    bound = (m.group("bound") or "").lower().strip()
    lo, hi = value, value
    if value2 is not None:
        lo, hi = value, value2
    elif bound and re.fullmatch(_MIN_WORDS, bound):
        hi = None
    elif bound and re.fullmatch(_MAX_WORDS, bound):
        lo = None
    return {"min": _clean(lo), "max": _clean(hi), "unit": unit, "text": m.group(0).strip()}, unit_end


def _unit_after(text: str, pos: int) -> str | None:
    """Name the unit counted by the words after a number ("rounds", "containers", ...)."""
    window = text[pos: pos + 60]
    words = re.match(r"(?:\s+[\w'’.-]+){1,5}", window)
    if not words:
        return None
    chunk = words.group(0).lower()
    chunk = re.split(r"\b(?:to|from|for|into|in|at|on|by|since|and|as|with|that|which)\b", chunk)[0]
    best = None
    for unit, pattern in _UNITS:
        m = re.search(rf"\b(?:{pattern})\b", chunk)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), unit)
    return best[1] if best else None
