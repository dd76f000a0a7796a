"""Claim figures (quantities): reading the detector's, comparing units, writing them as news does."""

from __future__ import annotations

from pipeline.models import Claim

# Units of one kind compare with each other (see unit_family); money figures also separate packages.
COUNT_UNITS = frozenset({"items", "rounds", "shells", "units", "pieces", "munitions", "systems", "vehicles"})
PERSONNEL_UNITS = frozenset({"troops", "soldiers", "personnel", "workers"})
MONEY_UNITS = frozenset({"usd", "eur", "gbp", "rub", "uah", "jpy", "krw", "cny", "cad", "aud", "chf", "pln"})
CURRENCY_SIGNS = {"usd": "$", "eur": "€", "gbp": "£"}


def format_quantity(quantity: dict | None, *, unit: bool = True) -> str:
    """Write a quantity as news does: "more than 1 million rounds", "up to $2.5 billion", "13,000".

    Args:
        quantity: {"min", "max", "unit"} (either bound may be None), or None.
        unit: False to leave the unit out (when the sentence names it once for two figures).
    """
    if not quantity or (quantity.get("min") is None and quantity.get("max") is None):
        return "no figure"
    name = quantity.get("unit") or "items"
    sign = CURRENCY_SIGNS.get(name, "")

    def number(value: float) -> str:
        return sign + _format_number(value)

    low, high = quantity.get("min"), quantity.get("max")
    if low is not None and high is not None:
        text = number(low) if is_close(low, high, 0.0) else f"{number(low)} to {number(high)}"
    elif low is not None:
        text = f"more than {number(low)}"
    else:
        text = f"up to {number(high)}"
    if unit and not sign and name != "items":
        text += f" {name}"
    return text


def read_quantity(quantity) -> dict:
    """Accept the detector's quantity as a dict or an object with min/max/unit; None means no figure.

    Args:
        quantity: the detector's quantity, or None.
    """
    if quantity is None:
        return {"min": None, "max": None, "unit": None}
    read = quantity.get if isinstance(quantity, dict) else lambda name: getattr(quantity, name, None)
    low, high = read("min"), read("max")
    return {
        "min": float(low) if low is not None else None,
        "max": float(high) if high is not None else None,
        "unit": read("unit") if (low is not None or high is not None) else None,
    }


def quantity_of(claim) -> dict | None:
    """Return a claim's figure as {"min", "max", "unit"}, or None when it has none.

    Args:
        claim: a Claim or ClaimCluster row.
    """
    if claim.quantity_min is None and claim.quantity_max is None:
        return None
    return {"min": claim.quantity_min, "max": claim.quantity_max, "unit": claim.quantity_unit}


# A cluster keeps its current figure in the same three columns as a claim.
cluster_quantity = quantity_of


def has_quantity(claim: Claim) -> bool:
    """Tell whether a claim states a figure (either bound).

    Args:
        claim: a Claim row.
    """
    return claim.quantity_min is not None or claim.quantity_max is not None


def unit_family(unit: str | None) -> str:
    """Return the kind of a unit: "count" for items, rounds, shells..., "troops" for people, else the unit.

    Args:
        unit: the figure's unit; None means items.
    """
    unit = (unit or "items").lower()
    if unit in COUNT_UNITS:
        return "count"
    return "troops" if unit in PERSONNEL_UNITS else unit


def _format_number(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{round(value / scale, 2):g} {word}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:g}"


def is_close(a: float, b: float, tolerance: float) -> bool:
    """Tell whether two figures differ by at most `tolerance` of the larger one.

    Args:
        a: one figure.
        b: the other figure.
        tolerance: the relative distance allowed (0.0: equal).
    """
    return abs(a - b) <= tolerance * max(abs(a), abs(b))
