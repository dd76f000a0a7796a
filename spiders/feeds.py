"""Feed reading beside spiders/discovery.py: RSS 2.0 there, Atom added here for outlets that publish Atom."""

from __future__ import annotations

from spiders import discovery

ATOM = "{http://www.w3.org/2005/Atom}"


def read_feed(body: bytes) -> list[discovery.Entry]:
    """Return the article links of an RSS 2.0 or Atom feed with their dates.

    Args:
        body: the feed document (parsed by discovery.parse_xml: no entities, no network).
    """
    entries = discovery.read_rss(body)
    if entries:
        return entries
    root = discovery.parse_xml(body)
    if root is None:
        return []
    for entry in root.iter(ATOM + "entry"):
        links = entry.findall(ATOM + "link")
        chosen = [link for link in links if link.get("rel", "alternate") == "alternate"] or links
        href = (chosen[0].get("href") or "").strip() if chosen else ""
        date = discovery.pick_newest(discovery.parse_date(entry.findtext(ATOM + "updated")),
                                     discovery.parse_date(entry.findtext(ATOM + "published")))
        if href:
            entries.append(discovery.Entry(href, date))
    return entries
