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
