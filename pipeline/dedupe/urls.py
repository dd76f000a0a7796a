"""URL identity: every variant of one article URL maps to one identity string.

Variants are tracking parameters, AMP, /pdf, http or https, www or not, a trailing slash and, where a
site has one, its own article id.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3_canonicalize


# Query parameters that only say where a reader came from; matched on the lower-cased name.
# An explicit list, not a loose pattern: a loose one also eats content parameters ("gallery", "refresh").
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "igsh",
        "mc_cid", "mc_eid", "ocid", "cmp", "cmpid", "intcmp", "icid", "smid", "smtyp", "s_cid", "ref",
        "ref_src", "ref_url", "referrer", "share", "src", "rss", "feature", "xtor", "ito", "spm",
        "guccounter", "guce_referrer", "guce_referrer_sig", "_ga", "_gl", "sr_share", "mbid", "cmpgn",
    }
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "ns_", "at_", "hsa_", "oly_", "vero_", "itm_", "_hs")
# Query parameters that only ask for the AMP rendering of the same article.
AMP_PARAMS = frozenset({"amp", "_amp", "outputtype", "amp_js_v", "usqp"})
# Host prefixes that serve the same article under another name.
HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
# Trailing path segments that are another rendering of the article above them.
VARIANT_SEGMENTS = frozenset({"amp", "pdf"})

# Per-site identity rules: the site's own article id, read from the path after variants are removed.
IDENTITY_RULES: dict[str, tuple[re.Pattern[str], ...]] = {
    # The Moscow Times finds an article by its trailing a<digits> alone; /all/<id> is the same article.
    "moscow_times": (re.compile(r"-a(\d+)$"), re.compile(r"^/all/(\d+)$")),
}


def canonicalize_url(url: str) -> str:
    """Return the identity form of `url`: https, bare host, no tracking, AMP, /pdf, fragment or trailing slash.

    The result names the article, it is not meant for fetching: `www.`, `amp.` and `m.` host prefixes
    are dropped (sites redirect between them). Local hosts (localhost, IP addresses, such as the test
    mirror) keep their scheme and port so their URLs stay fetchable.

    Args:
        url: any absolute http(s) URL.
    """
    url = _unwrap_amp_cache(url.strip())
    parts = urlsplit(_w3_canonicalize(url, keep_fragments=False))
    scheme, host, port = parts.scheme, parts.hostname or "", _read_port(parts)
    if not _is_local_host(host):
        scheme = "https"
        host = _strip_host_prefix(host)
        port = None if port in (80, 443) else port
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None else ""
    path, query = parts.path, parts.query
    path = _strip_path_variants(path)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_noise_param(k)]
    return urlunsplit((scheme, netloc, path, urlencode(pairs), ""))


def url_identity(url: str, source_key: str) -> str:
    """Return the stable identity of an article URL: the site's own id where it has one.

    Args:
        url: the article URL (any variant, any host: the local mirror shares the site's paths).
        source_key: the source key, which selects the per-site rule (e.g. "moscow_times").
    """
    canonical = canonicalize_url(url)
    path = urlsplit(canonical).path
    for rule in IDENTITY_RULES.get(source_key, ()):
        match = rule.search(path)
        if match:
            return f"{source_key}:a{match.group(1)}"
    return f"{source_key}:{canonical}"


def _unwrap_amp_cache(url: str) -> str:
    """Return the publisher URL inside a Google AMP cache or viewer URL, else `url`."""
    match = re.match(r"^https?://[^/]+(?:\.cdn\.ampproject\.org/[a-z]+(?:/s)?|google\.[a-z.]+/amp(?:/s)?)/(.+)$", url)
    if not match:
        return url
    return "https://" + match.group(1)


def _read_port(parts) -> int | None:
    """Return the explicit port of a split URL, or None when absent or malformed."""
    try:
        return parts.port
    except ValueError:
        return None


def _strip_host_prefix(host: str) -> str:
    """Drop one `www.`, `amp.` or `m.` style prefix, keeping at least a registrable-looking name."""
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix):]
    return host


def _is_local_host(host: str) -> bool:
    """Tell whether `host` is localhost or an IP address (served by us, e.g. the test mirror)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _strip_path_variants(path: str) -> str:
    """Remove AMP and PDF renderings and the trailing slash from a URL path."""
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == "amp" and len(segments) > 1:
        segments = segments[1:]
    while len(segments) > 1 and segments[-1].lower() in VARIANT_SEGMENTS:
        segments = segments[:-1]
    if segments:
        segments[-1] = re.sub(r"\.amp(\.html?)?$", lambda m: m.group(1) or "", segments[-1])
    return "/" + "/".join(segments)


def _is_noise_param(name: str) -> bool:
    """Tell whether a query parameter only tracks readers or asks for the AMP rendering."""
    name = name.lower()
    return name in TRACKING_PARAMS or name in AMP_PARAMS or name.startswith(TRACKING_PREFIXES)
