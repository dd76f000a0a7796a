"""Body extraction on the generic path: trafilatura over the tree, embedded posts unwrapped first."""

from __future__ import annotations

import lxml.html
import trafilatura

from pipeline.parse.text import clean_text


TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True}

_EMBEDS = ('//blockquote[contains(@class, "twitter-tweet") or contains(@class, "instagram-media")'
           ' or contains(@class, "tiktok-embed")]')


def unwrap_embeds(tree: lxml.html.HtmlElement) -> None:
    """Lift embedded posts (tweets...) out of their widget wrappers, in place.

    Quoted posts are part of the story (people annotating news keep them), but wrappers named
    "social-media-embed" or "article-tweet" look like share widgets to boilerplate filters.
    """
    for quote in tree.xpath(_EMBEDS):
        node, text = quote, clean_text(quote.text_content())
        parent = node.getparent()
        while parent is not None and parent.tag not in ("body", "article", "html") \
                and clean_text(parent.text_content()) == text:
            node, parent = parent, parent.getparent()
        if node is not quote and parent is not None:
            quote.tail = node.tail
            parent.replace(node, quote)


def extract_body(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """Return body paragraphs found by trafilatura (reader comments left out).

    Args:
        tree: the parsed page; modified (embeds unwrapped), and trafilatura cleans it.
        url: the page URL.
    """
    unwrap_embeds(tree)
    try:
        text = trafilatura.extract(tree, url=url or None, **TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001 - a third-party failure must not stop the batch
        return []
    return [line for line in (clean_text(t) for t in (text or "").splitlines()) if line]
