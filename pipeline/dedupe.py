"""URL identity, near-duplicate articles and claim clusters."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url as _w3_canonicalize
from w3lib.url import url_query_cleaner

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref", "share")

# Per-site identity rules: a regex whose first group is the site's own article id.
IDENTITY_RULES = {
    "moscow_times": re.compile(r"-a(\d+)(?:/|$|\?|#)|/all/(\d+)"),
}


def canonicalize_url(url: str) -> str:
    """Return a canonical form of `url`: https, no tracking parameters, fragment or trailing slash.

    Args:
        url: any absolute http(s) URL.
    """
    url = _w3_canonicalize(url, keep_fragments=False)
    names = [pair.split("=", 1)[0] for pair in urlsplit(url).query.split("&") if pair]
    tracking = [name for name in names if name.lower().startswith(TRACKING_PARAMS)]
    url = url_query_cleaner(url, parameterlist=tracking, remove=True)
    url = re.sub(r"^http://", "https://", url)
    return re.sub(r"(?<!:/)/+(\?|$)", r"\1", url)


def url_identity(url: str, source_key: str) -> str:
    """Return the stable identity of an article URL: the site's own id where it has one.

    Args:
        url: the article URL (any variant).
        source_key: the source key, which selects the per-site rule.
    """
    rule = IDENTITY_RULES.get(source_key)
    if rule is not None:
        match = rule.search(url.split("?", 1)[0].rstrip("/") + "/")
        if match:
            return f"{source_key}:a{match.group(1) or match.group(2)}"
    return f"{source_key}:{canonicalize_url(url)}"
