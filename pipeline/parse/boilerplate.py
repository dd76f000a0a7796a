"""Body clean-up: furniture lines, the page's headlines, teaser links and hidden copies dropped."""

from __future__ import annotations

import re

import lxml.html

from pipeline.parse.meta_tags import meta_all, meta_values


# Whole lines that are page furniture, not reporting: comment counters, share and newsletter
# prompts, "read more" teasers, copyright notices. Only short lines are tested (MAX_FURNITURE_WORDS).
_FURNITURE = re.compile(
    r"^(?:comments?|\d+\s+comments?|advertisement|advertising|sponsored|more:?|explore further"
    r"|related(?: (?:articles?|posts?|stories|content|coverage|links?|news))?:?"
    r"|(?:read|see|watch) (?:more|also|next)\b.*|related (?:post|article|story|video)s?:.*"
    r"|you (?:may|might) (?:also )?like.*|popular on .*|(?:most )?(?:popular|read|viewed)(?: now| stories)?"
    r"|don'?t miss.*|trending(?: now)?|recommended(?: for you)?|more (?:stories|news|from) .*"
    r"|share (?:this|on|via)\b.*|tell us what you think.*|thanks? (?:you )?for (?:signing up|subscribing).*"
    r"|sign up\b.*|.*\bsubscribe to (?:our|the)\b.*newsletters?.*|.*\bnewsletters?\b.*\b(?:sign up|subscribe|inbox)\b.*"
    r"|click here (?:to|for)\b.*|follow (?:us|[\w .'@]+) on (?:twitter|facebook|instagram|x)\b.*"
    r"|(?:copyright|\(c\)|©|ⓒ).*|all rights reserved.*|filed under:?.*|tags?:.*|print article|order reprints"
    r"|(?:additional )?reporting by .*|(?:editing|edited|compiled|translated) by .*"
    r"|.* contributed to this report\.?|.*\b(?:can|may) be reached at .*|write to .* at \S+@\S+"
    r")$",
    re.I,
)
MAX_FURNITURE_WORDS = 30
# Short lines legitimately repeat (interview questions, tweet attributions); long ones do not.
MIN_DEDUP_WORDS = 15
_BARE_VALUE = re.compile(r"^(?:https?://\S+|www\.\S+|\S+@\S+\.\w+|\d{4}-\d{2}-\d{2}[\dT:.+\-Z ]*)$", re.I)


def page_headlines(tree: lxml.html.HtmlElement, metadata: dict) -> set[str]:
    """Return folded headline variants of a page: its title, og/twitter titles and <h1>s."""
    meta = meta_values(tree)
    candidates = [metadata.get("title"), *meta_all(meta, "og:title"), *meta_all(meta, "twitter:title")]
    candidates += [h.text_content() for h in tree.iter("h1")]
    return {_fold(c) for c in candidates if c and c.strip()}


def page_link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Return folded texts of links with at least 4 words: usually other stories' headlines."""
    texts = set()
    for anchor in tree.iter("a"):
        text = _fold(anchor.text_content())
        if len(text.split()) >= 4:
            texts.add(text)
    return texts


def clean_body(paragraphs: list[str], headlines: set[str], links: set[str]) -> list[str]:
    """Drop furniture lines, bare URLs/dates, the headline and teaser links from a body.

    Args:
        paragraphs: body lines from the extractor.
        headlines: folded headlines of this page (title, og:title, <h1>...).
        links: folded texts of the page's links with 4+ words (other stories' headlines).
    """
    kept = []
    seen: set[str] = set()
    for line in paragraphs:
        bare = line.lstrip("-•*> ").strip()
        folded = _fold(bare)
        if not any(c.isalnum() for c in folded) or folded in headlines or folded in links:
            continue
        if len(folded.split()) >= MIN_DEDUP_WORDS and folded in seen:
            continue  # hidden copies (noscript, app shells) and pull quotes repeat paragraphs
        seen.add(folded)
        if line.startswith("- ") and any(folded.startswith(link) for link in links):
            continue  # a teaser list item: another story's headline plus its blurb
        if _BARE_VALUE.match(bare):
            continue
        if len(bare.split()) <= MAX_FURNITURE_WORDS and _FURNITURE.match(bare):
            continue
        kept.append(line)
    return kept


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _fold(text: str) -> str:
    """Fold case, quotes and whitespace for loose equality."""
    return " ".join(text.translate(_QUOTES).casefold().split())
