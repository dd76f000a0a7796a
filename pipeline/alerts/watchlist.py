"""Watchlists: the YAML file of named channels (TW_WATCHLIST_FILE) and each channel's `watch:` filter."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLAIM_KINDS = ("NEW", "UPDATE")
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Watch:
    """A channel's subscription: empty lists mean "any"; claim filters apply to NEW/UPDATE alerts."""

    suppliers: frozenset[str] = frozenset()
    recipients: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    min_quantity: float | None = None
    units: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    @property
    def filters_claims(self) -> bool:
        """True when any claim field is filtered."""
        return bool(self.suppliers or self.recipients or self.parties or self.categories or self.min_quantity)

    def accepts(self, payload: dict) -> bool:
        """Return True when the alert passes this watch.

        Args:
            payload: an alert payload.
        """
        kind = (payload.get("kind") or "").upper()
        # A desk that watches PRK wants claims, not source-health notices, unless it asks for them.
        kinds = self.kinds or (frozenset(CLAIM_KINDS) if self.filters_claims else frozenset())
        if kinds and kind not in kinds:
            return False
        if kind not in CLAIM_KINDS:
            return True
        supplier = (payload.get("supplier") or "").upper()
        recipient = (payload.get("recipient") or "").upper()
        if self.suppliers and supplier not in self.suppliers:
            return False
        if self.recipients and recipient not in self.recipients:
            return False
        if self.parties and not ({supplier, recipient} & self.parties):
            return False
        if self.categories and (payload.get("category") or "").lower() not in self.categories:
            return False
        if self.min_quantity is not None:
            return _quantity_at_least(payload.get("quantity"), self.min_quantity, self.units)
        return True


def parse_watch(data: dict | None) -> Watch:
    """Build a Watch from the `watch:` mapping of a watchlist entry.

    Args:
        data: e.g. {"suppliers": ["PRK"], "categories": ["missiles"], "min_quantity": 1000}.
    """
    data = data or {}
    unknown = set(data) - {"suppliers", "recipients", "parties", "categories", "min_quantity", "units", "kinds"}
    if unknown:
        raise ValueError(f"unknown watch keys: {', '.join(sorted(unknown))}")

    def codes(key: str, upper: bool = True) -> frozenset[str]:
        values = data.get(key) or []
        if isinstance(values, str):
            values = [v for v in re.split(r"[,\s]+", values) if v]
        return frozenset(str(v).upper() if upper else str(v).lower() for v in values)

    minimum = data.get("min_quantity")
    return Watch(
        suppliers=codes("suppliers"),
        recipients=codes("recipients"),
        parties=codes("parties"),
        categories=codes("categories", upper=False),
        min_quantity=float(minimum) if minimum not in (None, "") else None,
        units=codes("units", upper=False),
        kinds=codes("kinds"),
    )


def read_watchlist(path: Path, env: dict[str, str] | None = None) -> dict[str, dict]:
    """Read a watchlist YAML file and return its channel entries by name, with ${VAR} filled in.

    Args:
        path: the YAML file (TW_WATCHLIST_FILE).
        env: where ${VAR} references are looked up (default os.environ).
    """
    import yaml

    env = dict(os.environ if env is None else env)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"watchlist {path}: cannot read it: {exc}") from None
    channels = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(channels, dict):
        raise ValueError(f"watchlist {path}: expected a top-level 'channels:' mapping")
    entries: dict[str, dict] = {}
    for name, entry in channels.items():
        name = str(name)
        if not CHANNEL_NAME.match(name):
            raise ValueError(f"watchlist {path}: bad channel name {name!r} (letters, digits, . _ -)")
        if not isinstance(entry, dict):
            raise ValueError(f"watchlist {path}: channel {name!r} must be a mapping")
        try:
            entries[name] = _fill_env(entry, env)
        except KeyError as exc:
            raise ValueError(f"watchlist {path}: channel {name!r} refers to unset variable {exc.args[0]}") from None
        try:
            parse_watch(entries[name].get("watch"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"watchlist {path}: channel {name!r}: {exc}") from None
    return entries


def _quantity_at_least(quantity: dict | None, minimum: float, units: frozenset[str]) -> bool:
    if not quantity:
        return False
    if units and (quantity.get("unit") or "").lower() not in units:
        return False
    values = [v for v in (quantity.get("max"), quantity.get("min")) if v is not None]
    return bool(values) and max(values) >= minimum


def _fill_env(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ENV_REFERENCE.sub(lambda match: env[match.group(1)], value)
    if isinstance(value, dict):
        return {key: _fill_env(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_env(item, env) for item in value]
    return value
