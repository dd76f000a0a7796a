"""Turn a news page (HTML) into an Article: title, authors, dates, body paragraphs, tags.

Pure: no network, no database. Two paths:

* Site rules (pipeline/sites/): BeautifulSoup selectors kept as data, chosen by URL host (or by
  og:site_name for a page served from elsewhere, e.g. the local mirror; or passed explicitly).
  When the required selectors (title, body) stop matching, the page still gets an article
  from the generic path, flagged "selectors_missed" (layout drift).
* Generic: trafilatura 2.3 (reader comments excluded; fallbacks to readability/jusText kept)
  on a comment-free lxml tree with embedded tweets lifted out of their widget wrappers, then
  clean_body: drops repeats of the page's own headlines, lines that are another link's text
  (teasers), short furniture lines (newsletter, share, "Read more", copyright, credits) and
  hidden second copies of long paragraphs. Measured in bench/bench_extract.py.

Order of trust for metadata (first source that yields a value wins, per field):

1. Site rules, when the page's site has them (selectors written for that layout).
2. JSON-LD (schema.org Article/NewsArticle/BlogPosting..., then WebPage): the publisher's
   structured record, the most specific and the least likely to be a template leftover.
3. OpenGraph and article:* meta (og:title, article:published_time, article:section, ...).
4. Other meta tags (name=author, parsely-*, sailthru.*, dc.*, pubdate, keywords ...). A <meta>
   inside <body> (an image's author, a teaser's date) counts only for keys <head> lacks.
5. Page structure: <h1> (when there is one), <time datetime>, rel=author / itemprop=author /
   byline links (first byline only), <html lang>, <title> minus the site name.
   Without any declared language, a body that reads as English (function-word share) gets "en".
6. The URL: /YYYY/MM/DD/ dates (midnight UTC) and the URL itself as canonical.

Title exceptions: a publisher listed in pipeline/sites/headlines.json gets its own headline
field first (og:title for some: which of its headlines is "the" headline is the publisher's
choice); an <h1> marked itemprop=headline outranks JSON-LD; and a headline carrying a
live-blog banner ("... LIVE: ...") loses to any source without one (see title_candidates).

Times are returned timezone-aware in UTC; a time written without an offset is taken as UTC.

Input hygiene: bytes are decoded with decode_html (BOM, then strict UTF-8, then the declared
charset, then detection); at most MAX_HTML_CHARS characters and MAX_TAGS tags are parsed
(larger pages are cut, flagged "truncated_input"); unusable input gives an Article with
problems listed, and only a wrong argument type raises ParseError. Problems: truncated_input,
empty_page, selectors_missed, no_title, empty_body, short_body, no_date, no_authors.

Modules: article (Article, ParseError, assess_article), markup (decoding, limits, lxml tree),
extraction (parse_article), records (the `extract --jsonl` contract), metadata, titles,
authors, dates, json_ld, meta_tags, body (trafilatura), boilerplate (clean_body), text.
"""

from pipeline.parse.article import Article, ParseError, assess_article
from pipeline.parse.authors import authors_from_markup, split_authors, unique_names
from pipeline.parse.body import TRAFILATURA_OPTIONS, extract_body, unwrap_embeds
from pipeline.parse.boilerplate import (
    MAX_FURNITURE_WORDS, MIN_DEDUP_WORDS, clean_body, page_headlines, page_link_texts,
)
from pipeline.parse.dates import date_from_url, parse_date
from pipeline.parse.extraction import apply_site_rules, build_article, parse_article
from pipeline.parse.json_ld import (
    ARTICLE_TYPES, PAGE_TYPES, json_ld_list, json_ld_names, json_ld_text, pick_json_ld, read_json_ld,
)
from pipeline.parse.markup import MAX_HTML_CHARS, MAX_TAGS, cap_markup, decode_html, load_tree
from pipeline.parse.meta_tags import meta_all, meta_first, meta_values
from pipeline.parse.metadata import (
    MIN_ENGLISH_SHARE, MIN_LANGUAGE_WORDS, clean_tags, guess_english, read_metadata,
)
from pipeline.parse.records import extract_jsonl, extract_record
from pipeline.parse.text import clean_text, first_value
from pipeline.parse.titles import choose_title, strip_site_name, title_candidates

__all__ = [
    "ARTICLE_TYPES", "MAX_FURNITURE_WORDS", "MAX_HTML_CHARS", "MAX_TAGS", "MIN_DEDUP_WORDS",
    "MIN_ENGLISH_SHARE", "MIN_LANGUAGE_WORDS", "PAGE_TYPES", "TRAFILATURA_OPTIONS",
    "Article", "ParseError",
    "apply_site_rules", "assess_article", "authors_from_markup", "build_article", "cap_markup",
    "choose_title", "clean_body", "clean_tags", "clean_text", "date_from_url", "decode_html",
    "extract_body", "extract_jsonl", "extract_record", "first_value", "guess_english",
    "json_ld_list", "json_ld_names", "json_ld_text", "load_tree", "meta_all", "meta_first",
    "meta_values", "page_headlines", "page_link_texts", "parse_article", "parse_date",
    "pick_json_ld", "read_json_ld", "read_metadata", "split_authors", "strip_site_name",
    "title_candidates", "unique_names", "unwrap_embeds",
]
