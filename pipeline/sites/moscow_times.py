"""The Moscow Times article rules (facts in ../shared/docs/moscow-times-site.md), as data."""

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
    # The byline <time> shows the "Updated:" time on updated articles: it is the published
    # time only without that label (else the date in the article URL is used).
    published=(
        ("meta[property='article:published_time']", "content"),
        ("time.byline__datetime:not(:-soup-contains('Updated'))", "datetime"),
    ),
    modified=(
        ("meta[property='article:modified_time']", "content"),
        ("time.byline__datetime:-soup-contains('Updated')", "datetime"),
    ),
    section=(
        ("div.gtm-section[data-section]", "data-section"),
        ("meta[property='article:section']", "content"),
    ),
    tags=(
        ("div.article__tags a.article__tags__tag", None),
        ("div.article__tags a.tag", None),
    ),
    canonical=(
        ("link[rel='canonical']", "href"),
        ("meta[property='og:url']", "content"),
        ("div.article-container[data-url]", "data-url"),
        ("header.article__header h1 a[href]", "href"),
    ),
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
        "blockquote footer",
        ".article__quote__author",
        "script",
        "style",
    ),
    required=("title", "body"),
    site_names=("The Moscow Times",),
)
