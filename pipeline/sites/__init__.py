"""Per-site extraction rules, chosen by URL host."""

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
