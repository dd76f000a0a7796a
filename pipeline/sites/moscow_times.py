"""The Moscow Times article rules (facts in docs/moscow-times-site.md), as data."""

from pipeline.sites.rules import SiteRules

RULES = SiteRules(
    name="moscow_times",
    hosts=("themoscowtimes.com",),
    article="article.article",
    title=(("header.article__header h1", None),),
    subtitle=(("header.article__header h2", None),),
    authors=(
        (".article__byline .byline__author__name", None),
        (".article__byline a[href*='/author/']", None),
    ),
    # The byline <time> may show the "Updated:" time, so the page's own meta comes first.
    published=(
        ("meta[property='article:published_time']", "content"),
        ("time.byline__datetime", "datetime"),
    ),
    modified=(("meta[property='article:modified_time']", "content"),),
    section=(
        ("div.gtm-section[data-section]", "data-section"),
        ("meta[property='article:section']", "content"),
    ),
    tags=(
        ("div.article__tags a.article__tags__tag", None),
        ("div.article__tags a.tag", None),
    ),
    canonical=(("link[rel='canonical']", "href"), ("meta[property='og:url']", "content")),
    body_root="div.article__content",
    body_parts=(
        "div.article__block--html p, div.article__block--html li,"
        " div.article__block--header h2, div.article__block--quote blockquote"
    ),
    drop=(
        "aside.article__related-article",
        "section[y-name=banner]",
        "div.article__newsletter",
        "div.article__block--newsletter",
        "div.contribute-banner",
        "div.article__disclaimer",
        "div.byline__social",
        "aside.sidebar",
        "section.cluster",
        "div#load-next-article",
        "div.preheader_advert",
        "div.article__sticky-article-banner",
        "script",
        "style",
    ),
    required=("title", "body"),
)
