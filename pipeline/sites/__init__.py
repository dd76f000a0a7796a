"""Per-site extraction rules, chosen by URL host."""

import json
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from pipeline.sites import moscow_times
from pipeline.sites.rules import SiteRules, matches_host

ALL_RULES: tuple[SiteRules, ...] = (moscow_times.RULES,)


def find_rules(url: str) -> SiteRules | None:
    """Return the rules for the URL's site, or None when no site rules exist.

    Args:
        url: the page URL.
    """
    host = (urlsplit(url or "").hostname or "").lower()
    for rules in ALL_RULES:
        if matches_host(rules, host):
            return rules
    return None


def find_rules_by_site_name(site_name: str | None) -> SiteRules | None:
    """Return the rules whose site calls itself site_name (og:site_name), or None.

    Args:
        site_name: the page's og:site_name.
    """
    wanted = (site_name or "").strip().casefold()
    if not wanted:
        return None
    for rules in ALL_RULES:
        if any(name.casefold() == wanted for name in rules.site_names):
            return rules
    return None


@cache
def _headline_table() -> dict[str, tuple[str, ...]]:
    table = json.loads(resources.files(__package__).joinpath("headlines.json").read_text("utf-8"))
    return {host: tuple(fields) for host, fields in table["hosts"].items()}


def headline_fields(url: str) -> tuple[str, ...]:
    """Return the page fields the URL's publisher uses as its headline, in order; () for the default.

    Args:
        url: the page URL; its host, or a parent domain of it, is looked up in headlines.json.
    """
    labels = (urlsplit(url or "").hostname or "").lower().split(".")
    table = _headline_table()
    for start in range(len(labels) - 1):
        fields = table.get(".".join(labels[start:]))
        if fields:
            return fields
    return ()
