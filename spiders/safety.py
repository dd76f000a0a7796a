"""Downloader middleware that refuses requests to private, loopback and link-local addresses.

A feed or sitemap is input written by someone else: a link (or a redirect) to http://10.0.0.5/ or
http://169.254.169.254/ must not make the crawler probe the network it runs in. Hosts are resolved
once per crawl; every address they resolve to must be public unless the source allows it
(allow_private_hosts in its YAML: true, or a list of addresses/networks; TW_ALLOW_PRIVATE_HOSTS allows all).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from pipeline.sources import host_allowed

log = logging.getLogger(__name__)

PRIVATE_REASON = "private address"


def resolve_addresses(host: str) -> list[str]:
    """Return the IP addresses a host names (itself when it is a literal); [] when it does not resolve.

    Args:
        host: a host name or IP literal (IPv6 without brackets).
    """
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []  # the download fails on its own with a DNS error
    return list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))


def is_public_address(address: str) -> bool:
    """Tell whether an address is globally routable (not private, loopback, link-local, reserved...).

    Args:
        address: an IPv4 or IPv6 address.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global excludes private, loopback, link-local, reserved, shared (100.64/10) and unspecified ranges.
    return ip.is_global and not ip.is_multicast


def refused_address(host: str, allow: bool | tuple[str, ...], addresses: list[str] | None = None) -> str | None:
    """Return the first non-public address of `host` that `allow` does not cover, else None.

    Args:
        host: the request's host.
        allow: the source's allow_private_hosts (True, False or addresses/networks).
        addresses: the host's addresses when already resolved.
    """
    for address in resolve_addresses(host) if addresses is None else addresses:
        if not is_public_address(address) and not host_allowed(address, allow):
            return address
    return None


class PrivateHostMiddleware:
    """Drop requests whose host resolves to a non-public address the source does not allow."""

    def __init__(self, allow_all: bool, crawler=None):
        self.allow_all = allow_all
        self.crawler = crawler
        self.verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("TW_ALLOW_PRIVATE_HOSTS"), crawler)

    def process_request(self, request, spider=None):
        """Let the request through, or raise IgnoreRequest naming the refused address."""
        if self.allow_all:
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        if host not in self.verdicts:
            spider = spider or getattr(self.crawler, "spider", None)
            allow = getattr(spider, "allow_private_hosts", False)
            self.verdicts[host] = refused_address(host, allow)
        address = self.verdicts[host]
        if address is not None:
            log.warning("refused %s: %s %s resolves to %s", request.url, PRIVATE_REASON, host, address)
            raise IgnoreRequest(f"{PRIVATE_REASON}: {host} resolves to {address}")
        return None
