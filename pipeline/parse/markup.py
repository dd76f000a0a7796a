"""Page input hygiene: bytes decoded to text, size and tag limits, a lenient lxml tree."""

from __future__ import annotations

import codecs
import re

import lxml.html
from charset_normalizer import from_bytes
from lxml import etree

from pipeline.parse.article import ParseError


# Real article pages rarely exceed 2 MB and 4,000 elements (the benchmark sets: at most 1.7 MB,
# 3,138 elements). trafilatura's time grows faster than linearly with the element count
# (40,000 paragraphs take seconds, 160,000 minutes), so both size and tag count are capped.
MAX_HTML_CHARS = 4_000_000
MAX_TAGS = 40_000

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes to text, trusting evidence in this order.

    BOM; then strict UTF-8 (bytes with non-ASCII that decode as UTF-8 are UTF-8 whatever
    the label says: the reverse accident is vanishingly rare); then the HTTP header charset;
    then <meta charset>; then charset detection; finally UTF-8 with replacement characters.

    Args:
        data: raw bytes as fetched.
        content_type: the HTTP Content-Type header, if known.
    """
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(f"decode_html needs bytes, got {type(data).__name__}")
    data = bytes(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in _declared_charsets(data, content_type):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    guess = from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding:
        return data.decode(guess.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _declared_charsets(data: bytes, content_type: str | None) -> list[str]:
    """Return charsets named by the HTTP header and the page's own meta tags."""
    names = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            names.append(match.group(1))
    match = _META_CHARSET.search(data[:4096])
    if match:
        names.append(match.group(1).decode("ascii", "ignore"))
    # Browsers read latin-1 labels as windows-1252, a superset.
    return ["cp1252" if n.lower() in ("iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii")
            else n for n in names if n.lower() not in ("utf-8", "utf8")]


_TAG = re.compile(r"<[a-zA-Z/!]")


def cap_markup(html: str) -> tuple[str, bool]:
    """Cut html at MAX_HTML_CHARS characters or MAX_TAGS tags; tell whether it was cut.

    Args:
        html: page text.
    """
    truncated = len(html) > MAX_HTML_CHARS
    html = html[:MAX_HTML_CHARS]
    for count, match in enumerate(_TAG.finditer(html), start=1):
        if count > MAX_TAGS:
            return html[: match.start()], True
    return html, truncated


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def load_tree(text: str) -> lxml.html.HtmlElement | None:
    """Parse HTML text leniently; None when there is nothing to parse."""
    text = _XML_DECLARATION.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        return None
    # Comments removed as trafilatura's own loader does: its readability fallback fails on them.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None
