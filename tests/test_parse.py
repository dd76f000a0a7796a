"""Tests for pipeline.parse: Moscow Times rules, layout drift, generic extraction, hostile input."""

from __future__ import annotations

import gzip
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.parse import (
    MAX_HTML_CHARS,
    MAX_TAGS,
    Article,
    ParseError,
    assess_article,
    decode_html,
    extract_jsonl,
    extract_record,
    guess_english,
    parse_article,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data"
MT_URL = ("https://www.themoscowtimes.com/2023/11/01/"
          "n-korea-sends-russia-artillery-rounds-for-satellite-technical-advice-seoul-a82959")

# Body text of the seed article (shared/seeds), kept short; the "Related article" link is an aside.
MT_PARAGRAPHS = [
    "North Korea has sent Russia over one million artillery shells to use in its war against Ukraine, "
    "with Pyongyang appearing to receive advice on the development of satellite technology in return, "
    "a South Korean lawmaker said Wednesday, citing information provided by Seoul's spy agency.",
    "Russia and North Korea are both heavily sanctioned by Western nations — Moscow for its invasion of "
    "Ukraine, and Pyongyang for nuclear weapons testing.",
    "\"The NIS has learned that more than one million artillery rounds have been transferred,\" lawmaker "
    "Yoo Sang-bum told reporters after the audit.",
]
MT_HEADER = "Satellite advice in return"
MT_QUOTE = "It appears that North Korea received technical advice from Russia."
MT_AFTER = ("In return, North Korea appeared to have received technical advice from Moscow in its bid to "
            "launch a military reconnaissance satellite, he said.")
RELATED_TITLE = "Russian Ships Seen Unloading N. Korean Cargo Near Ukraine in 'Likely' Arms Shipment"
NOT_ARTICLE = {
    "related": RELATED_TITLE,
    "ad": "Advertisement: buy premium vodka",
    "newsletter": "Sign up for our free weekly newsletter",
    "donation": "we need your help to keep independent journalism alive",
    "disclaimer": "The views expressed in opinion pieces do not necessarily reflect",
    "social": "Share on Telegram",
    "sidebar": "Most read: Kremlin hosts forum",
    "cluster": "Read more about Ukraine war diplomacy",
    "next": "Loading next article",
    "preheader": "Preheader advert banner text",
    "sticky": "Sticky banner: subscribe now",
}


def moscow_times_page(content_class: str = "article__content", with_head: bool = True) -> str:
    """Build an MT article page following docs/moscow-times-site.md (blocks, asides, banners)."""
    head = f"""<head><meta charset="utf-8">
<title>N. Korea Sends Russia Artillery Rounds for Satellite Technical Advice - Seoul - The Moscow Times</title>
<link rel="canonical" href="{MT_URL}">
<meta name="description" content="North Korea has sent Russia over one million artillery shells.">
<meta name="keywords" content="North Korea,Russia,artillery">
<meta name="author" content="AFP">
<meta property="og:url" content="{MT_URL}">
<meta property="og:title" content="N. Korea Sends Russia Artillery Rounds for Satellite Technical Advice - Seoul">
<meta property="article:published_time" content="2023-11-01T11:51:00+03:00">
<meta property="article:modified_time" content="2023-11-01T12:20:00+03:00">
<meta property="article:section" content="news">
<meta property="article:tag" content="North Korea">
<meta property="article:tag" content="Arms">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"N. Korea Sends Russia Artillery Rounds for Satellite Technical Advice - Seoul",
"datePublished":"2023-11-01T11:51:00+03:00","dateModified":"2023-11-01T12:20:00+03:00",
"articleSection":"news","keywords":"North Korea,Arms","author":{{"@type":"Person","name":"AFP"}},
"url":"{MT_URL}"}}</script>
</head>""" if with_head else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in MT_PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en">{head}<body>
<div class="preheader_advert">{NOT_ARTICLE['preheader']}</div>
<div class="gtm-section" data-section="ukraine_war"></div>
<div class="article-container" id="article-id-82959">
 <article class="article">
  <header class="article__header">
   <span class="label article__label label--news">News</span>
   <h1><a href="{MT_URL}">N. Korea Sends Russia Artillery Rounds for Satellite Technical Advice - Seoul</a></h1>
   <h2>Pyongyang appears to receive help with its satellite programme</h2>
  </header>
  <div class="article__byline byline">
   <div class="byline__details"><a class="byline__author__name" href="/author/afp">AFP</a>
    <time class="byline__datetime" datetime="2023-11-01T11:51:00+03:00">Nov. 1, 2023</time></div>
   <div class="byline__social"><a href="#">{NOT_ARTICLE['social']}</a></div>
  </div>
  <figure class="article__featured-image"><img src="/img/kim.jpg">
   <figcaption>Kim Jong Un with Sergei Shoigu. <span class="credits">KCNA / AP / TASS</span></figcaption></figure>
  <div class="{content_class}">
   <div class="article__block article__block--html">{paragraphs}</div>
   <div class="article__block article__block--aside">
    <aside class="article__related-article"><span>Related article: </span>
     <a href="/2023/10/16/russian-ships-a82788">{RELATED_TITLE}</a></aside></div>
   <section y-name="banner" class="banner"><div>{NOT_ARTICLE['ad']}</div></section>
   <div class="article__block article__block--header"><h2>{MT_HEADER}</h2></div>
   <div class="article__block article__block--quote"><blockquote class="article__quote">
    <p>{MT_QUOTE}</p></blockquote></div>
   <div class="article__block article__block--newsletter"><div class="article__newsletter">
    {NOT_ARTICLE['newsletter']}</div></div>
   <div class="article__block article__block--html"><p>{MT_AFTER}</p></div>
   <div class="contribute-banner"><p>{NOT_ARTICLE['donation']}</p></div>
   <div class="article__disclaimer">{NOT_ARTICLE['disclaimer']}</div>
  </div>
  <div class="article__tags"><a class="tag article__tags__tag" href="/tag/North-Korea">North Korea</a>
   <a class="tag article__tags__tag" href="/tag/Arms">Arms</a></div>
 </article>
 <aside class="sidebar"><h3>{NOT_ARTICLE['sidebar']}</h3></aside>
</div>
<div class="article__sticky-article-banner">{NOT_ARTICLE['sticky']}</div>
<section class="cluster"><a href="/x">{NOT_ARTICLE['cluster']}</a></section>
<div id="load-next-article">{NOT_ARTICLE['next']}</div>
</body></html>"""


def assert_no_boilerplate(text: str) -> None:
    """Fail when any non-article block's text reached the body."""
    for name, phrase in NOT_ARTICLE.items():
        assert phrase not in text, f"{name} text leaked into the body"
    assert "Related article" not in text


# --------------------------------------------------------------------------- Moscow Times rules

def test_moscow_times_rules_extract_every_field():
    article = parse_article(moscow_times_page(), MT_URL)
    assert article.extractor == "moscow_times"
    assert article.title == "N. Korea Sends Russia Artillery Rounds for Satellite Technical Advice - Seoul"
    assert article.subtitle == "Pyongyang appears to receive help with its satellite programme"
    assert article.authors == ["AFP"]
    assert article.published == datetime(2023, 11, 1, 8, 51, tzinfo=timezone.utc)
    assert article.modified == datetime(2023, 11, 1, 9, 20, tzinfo=timezone.utc)
    assert article.published.utcoffset().total_seconds() == 0
    assert article.section == "ukraine_war"
    assert article.tags == ["North Korea", "Arms"]
    assert article.canonical_url == MT_URL
    assert article.language == "en"
    assert article.body == MT_PARAGRAPHS + [MT_HEADER, MT_QUOTE, MT_AFTER]
    assert "selectors_missed" not in article.problems
    assert_no_boilerplate(article.body_text())


def test_moscow_times_fragment_without_head_still_parses():
    url = "https://www.themoscowtimes.com/all/82959"
    article = parse_article(moscow_times_page(with_head=False), url)
    assert article.extractor == "moscow_times"
    assert article.title.startswith("N. Korea Sends Russia Artillery Rounds")
    assert article.published == datetime(2023, 11, 1, 8, 51, tzinfo=timezone.utc)
    assert article.authors == ["AFP"]
    assert MT_AFTER in article.body
    assert_no_boilerplate(article.body_text())


def test_moscow_times_layout_drift_is_flagged_and_falls_back():
    drifted = moscow_times_page(content_class="article-body-v2")
    article = parse_article(drifted, MT_URL)
    assert "selectors_missed" in article.problems
    assert article.extractor == "generic"
    # The fallback still finds the article text and the head metadata.
    assert any(MT_PARAGRAPHS[0][:60] in p for p in article.body)
    assert article.title.startswith("N. Korea Sends Russia Artillery Rounds")
    assert article.published == datetime(2023, 11, 1, 8, 51, tzinfo=timezone.utc)


def test_moscow_times_seed_text_matches_rules_output():
    seeds = sorted((SHARED / "seeds").glob("*.txt")) if SHARED.exists() else []
    if not seeds:
        pytest.skip("../shared/seeds not present: the seed article text comes from the shared folder")
    seed = seeds[0].read_text()
    related = re.search(r"Related article: <u>(.+?)</u>", seed).group(1)
    paragraphs = [p.strip() for p in seed.split("\n\n") if len(p.split()) > 12 and "Related article" not in p
                  and "**" not in p]
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:6])
    html = moscow_times_page().replace(
        "".join(f"<p>{p}</p>" for p in MT_PARAGRAPHS), body).replace(RELATED_TITLE, related)
    article = parse_article(html, MT_URL)
    assert article.body[:6] == paragraphs[:6]
    assert related not in article.body_text()


# --------------------------------------------------------------------------- contracts

def test_extract_record_contract_shape():
    result = extract_record({"id": "p1", "url": MT_URL, "html": moscow_times_page()})
    assert set(result) == {"id", "title", "body", "published", "authors", "section", "tags"}
    assert result["id"] == "p1"
    assert result["published"] == "2023-11-01T08:51:00+00:00"
    assert result["body"].split("\n") == MT_PARAGRAPHS + [MT_HEADER, MT_QUOTE, MT_AFTER]
    assert RELATED_TITLE not in result["body"]


def test_extract_jsonl_survives_bad_lines():
    good = json.dumps({"id": "a", "url": MT_URL, "html": moscow_times_page()})
    lines = "\n".join([good, "{not json", json.dumps({"id": "b"}), json.dumps([1, 2]), good]) + "\n"
    out = io.StringIO()
    assert extract_jsonl(io.StringIO(lines), out) == 5
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("id") for r in results] == ["a", None, "b", None, "a"]
    assert [("error" in r) for r in results] == [False, True, True, True, False]
    assert results[0]["title"] and "error" not in results[4]


def test_assess_article_lists_missing_parts():
    empty = Article(url="https://example.com/x")
    assert {"no_title", "empty_body", "no_date"} <= set(assess_article(empty))
    full = parse_article(moscow_times_page(), MT_URL)
    assert not {"no_title", "empty_body", "no_date"} & set(assess_article(full))


# --------------------------------------------------------------------------- generic metadata

def generic_page(head: str, body_extra: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in MT_PARAGRAPHS * 2)
    return f"""<html lang="en-GB"><head>{head}</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article><h1>Shown headline about artillery shells</h1>
<div class="byline">By <a href="/author/jane-roe" rel="author">Jane Roe</a></div>
<time datetime="2024-05-06T10:00:00Z">6 May</time>{paragraphs}{body_extra}</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Kremlin denies buying weapons from Pyongyang and Tehran</a></li>
<li><a href="/b">Germany to send more air defence systems to Kyiv this winter</a></li></ul></aside>
</main><footer><p>Copyright 2024 Example News. All rights reserved.</p></footer></body></html>"""


def test_metadata_order_of_trust_json_ld_first():
    head = """<title>Title tag headline | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Social headline">
<meta property="article:published_time" content="2024-05-01T09:00:00+02:00">
<meta property="article:tag" content="Arms,North Korea">
<meta name="author" content="Meta Author">
<link rel="canonical" href="/news/canonical-story">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebPage","@id":"https://example.com/#page"},
 {"@type":"NewsArticle","headline":"JSON-LD headline &amp; more","datePublished":"2024-05-02T08:00:00Z",
  "dateModified":"2024-05-03T08:00:00-04:00","articleSection":"World",
  "author":[{"@id":"https://example.com/#jane"},{"@type":"Person","name":"John Doe"}]},
 {"@type":"Person","@id":"https://example.com/#jane","name":"Jane Roe"}]}</script>"""
    article = parse_article(generic_page(head), "https://example.com/2024/04/30/story")
    assert article.extractor == "generic"
    assert article.title == "JSON-LD headline & more"
    assert article.authors == ["Jane Roe", "John Doe"]
    assert article.published == datetime(2024, 5, 2, 8, tzinfo=timezone.utc)
    assert article.modified == datetime(2024, 5, 3, 12, tzinfo=timezone.utc)
    assert article.section == "World"
    assert article.tags == ["Arms", "North Korea"]
    assert article.language == "en"
    assert article.canonical_url == "https://example.com/news/canonical-story"


def test_metadata_falls_back_to_meta_then_markup_then_url():
    head = """<title>Title tag headline | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Social headline | Example News">"""
    article = parse_article(generic_page(head), "https://example.com/2024/04/30/story")
    assert article.title == "Social headline"
    assert article.authors == ["Jane Roe"]
    assert article.published == datetime(2024, 5, 6, 10, tzinfo=timezone.utc)  # <time>, before the URL
    bare = generic_page("").replace('<time datetime="2024-05-06T10:00:00Z">6 May</time>', "")
    article = parse_article(bare, "https://example.com/2024/04/30/story")
    assert article.title == "Shown headline about artillery shells"
    assert article.published == datetime(2024, 4, 30, tzinfo=timezone.utc)
    assert "no_date" not in article.problems


def test_title_skips_live_blog_banner_when_another_source_lacks_it():
    head = """<title>Storm LIVE: Roads closed as river bursts banks | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Roads closed as river bursts its banks">
<script type="application/ld+json">{"@type":"NewsArticle",
 "headline":"Storm LIVE: Roads closed as river bursts banks"}</script>"""
    article = parse_article(generic_page(head), "https://example.com/2024/04/30/story")
    assert article.title == "Roads closed as river bursts its banks"
    assert "LIVE" not in article.title


def test_title_keeps_live_banner_when_every_source_has_it_and_plain_words_do_not_count():
    every = """<meta property="og:title" content="Ukraine war live: Kyiv hit by drones">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Ukraine war live: Kyiv hit by drones"}</script>"""
    page = generic_page(every).replace("Shown headline about artillery shells", "Ukraine war live: Kyiv hit by drones")
    assert parse_article(page, "https://example.com/s").title == "Ukraine war live: Kyiv hit by drones"
    plain = """<meta property="og:title" content="Live Nation results beat forecasts">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Live Nation results beat forecasts again"}</script>"""
    assert parse_article(generic_page(plain), "https://example.com/s").title == "Live Nation results beat forecasts again"


def test_title_prefers_h1_marked_as_microdata_headline_only():
    head = """<meta property="og:title" content="Social headline">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Search headline"}</script>"""
    marked = generic_page(head).replace("<h1>", '<h1 itemprop="headline">')
    assert parse_article(marked, "https://example.com/s").title == "Shown headline about artillery shells"
    # A teaser card's itemprop=headline (not an <h1>) is another story's title.
    teaser = generic_page(head, '<div itemscope><a itemprop="headline" href="/x">Other story</a></div>')
    assert parse_article(teaser, "https://example.com/s").title == "Search headline"


def test_title_follows_the_publishers_headline_field():
    head = """<meta property="og:title" content="Social headline">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Search headline"}</script>"""
    page = generic_page(head)
    assert parse_article(page, "https://example.com/s").title == "Search headline"
    assert parse_article(page, "https://www.dailymail.co.uk/news/article-1/s.html").title == "Social headline"
    # A chain: Business Insider's meta title first, og:title when the page has none.
    assert parse_article(page, "https://www.businessinsider.com/s").title == "Social headline"
    titled = generic_page(head + '<meta name="title" content="Meta headline">')
    assert parse_article(titled, "https://www.businessinsider.com/s").title == "Meta headline"


def test_headline_fields_match_whole_host_labels():
    from pipeline.sites import headline_fields

    assert headline_fields("https://www.dailymail.co.uk/news/a.html") == ("og:title",)
    assert headline_fields("https://dailymail.co.uk/a") == ("og:title",)
    assert headline_fields("https://notdailymail.co.uk/a") == ()
    assert headline_fields("https://co.uk/a") == ()
    assert headline_fields("not a url") == ()


def test_language_falls_back_to_english_only_for_undeclared_english_text():
    undeclared = generic_page("").replace(' lang="en-GB"', "")
    assert parse_article(undeclared, "https://example.com/s").language == "en"
    declared = generic_page("").replace('lang="en-GB"', 'lang="de"')
    assert parse_article(declared, "https://example.com/s").language == "de"
    portuguese = " ".join(["O governo anunciou nesta quarta-feira novas medidas para conter a inflação,"
                           " segundo o ministro da Fazenda, que falou com jornalistas em Brasília."] * 4)
    page = f"<html><head><title>Notícia</title></head><body><article><p>{portuguese}</p></article></body></html>"
    assert parse_article(page, "https://example.com.br/s").language is None
    assert guess_english(["Too short to tell the language of"]) is None


def test_generic_body_drops_related_links_and_furniture():
    extra = """<p>Sign up for our daily newsletter to get the news in your inbox.</p>
<p><a href="/c">Kremlin denies buying weapons from Pyongyang and Tehran</a></p>
<p>Shown headline about artillery shells</p><p>Advertisement</p>"""
    article = parse_article(generic_page("<title>Shown headline about artillery shells</title>", extra),
                            "https://example.com/story")
    text = article.body_text()
    assert MT_PARAGRAPHS[0] in article.body and MT_PARAGRAPHS[2] in article.body
    assert text.count(MT_PARAGRAPHS[0]) == 1  # the hidden second copy is dropped
    for boilerplate in ("newsletter", "Kremlin denies buying", "Germany to send", "Advertisement",
                        "All rights reserved", "Shown headline", "Related stories"):
        assert boilerplate not in text


# --------------------------------------------------------------------------- hostile input

RUSSIAN = "Минобороны России сообщило о поставках снарядов из Северной Кореи. " * 5


def page_with(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>Заголовок</title></head><body><article><p>{text}</p></article></body></html>"


def test_decode_cp1251_declared_in_meta():
    data = page_with(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251")
    assert RUSSIAN.strip() in decode_html(data)


def test_decode_mislabelled_utf8_and_header_charset():
    data = page_with(RUSSIAN, '<meta charset="windows-1251">').encode("utf-8")
    assert RUSSIAN.strip() in decode_html(data, "text/html; charset=windows-1251")
    cp = page_with(RUSSIAN).encode("cp1251")
    assert RUSSIAN.strip() in decode_html(cp, "text/html; charset=windows-1251")


def test_decode_without_any_label_detects_cp1251():
    data = page_with(RUSSIAN).encode("cp1251")
    assert "Минобороны России" in decode_html(data)


def test_decode_utf16_bom():
    data = page_with(RUSSIAN).encode("utf-16")
    assert "Минобороны России" in decode_html(data)


def test_parse_article_from_cp1251_bytes():
    data = page_with(RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    article = parse_article(data.encode("cp1251"), "https://example.ru/2024/03/05/news")
    assert "Минобороны России" in article.body_text()
    assert article.published == datetime(2024, 3, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("html", [
    "", b"", "   ", "<", "<html><body><p>Cut in the mid", b"\x00\x01\x02\xff\xfe\xfa" * 50,
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>xml declared</p></body></html>",
    "<html><head><script type='application/ld+json'>{broken json</script></head></html>",
    "<html><head><meta property='article:published_time' content='not a date'></head></html>",
])
def test_broken_input_never_raises(html):
    article = parse_article(html, "https://example.com/a")
    assert isinstance(article, Article)
    assert isinstance(article.problems, list) and article.problems


def test_truncated_html_keeps_what_is_there():
    html = moscow_times_page()
    cut = html[: html.index(MT_AFTER)]
    article = parse_article(cut, MT_URL)
    assert article.body[:3] == MT_PARAGRAPHS
    assert MT_AFTER not in article.body_text()


@pytest.mark.parametrize("html", [
    "<html><body><article>" + "<p>filler paragraph text here</p>" * (MAX_TAGS // 2 + 10),
    "<html><body><article><p>" + "long text without markup " * (MAX_HTML_CHARS // 20),
])
def test_huge_page_is_capped_and_flagged(html):
    article = parse_article(html, "https://example.com/huge")
    assert "truncated_input" in article.problems
    assert article.body
    assert "truncated_input" not in parse_article(moscow_times_page(), MT_URL).problems


def test_wrong_type_raises_parse_error():
    with pytest.raises(ParseError):
        parse_article(None, "https://example.com")  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        extract_record({"id": "x", "url": "u"})


# --------------------------------------------------------------------------- real pages

def need_data(folder: str) -> Path:
    path = DATA / folder
    if not path.exists():
        pytest.skip(f"../shared/data not present: real pages in {folder} live in the shared folder")
    return path


def long_link_texts(html: str) -> list[str]:
    """Texts of links with 8+ words: headlines of related/recommended stories."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    texts = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    return [t for t in texts if len(t.split()) >= 8]


def test_real_pages_body_has_article_and_no_related_links():
    folder = need_data("article-extraction")
    truth = json.loads((folder / "ground-truth.json").read_text())
    ids = sorted(truth)[::4]
    leaked, checked, recalled = 0, 0, []
    for page_id in ids:
        html = decode_html(gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes()))
        body = parse_article(html, truth[page_id]["url"]).body_text()
        expected = truth[page_id]["articleBody"]
        words = re.findall(r"\w+", expected.lower())
        found = set(re.findall(r"\w+", body.lower()))
        recalled.append(sum(w in found for w in words) / max(1, len(words)))
        flat_truth = " ".join(expected.split())
        for text in long_link_texts(html):
            if text not in flat_truth:
                checked += 1
                leaked += text in " ".join(body.split())
    assert sum(recalled) / len(recalled) > 0.95
    assert checked > 50
    assert leaked / checked < 0.05, f"{leaked} of {checked} link headlines reached the body"


def load_news_pages(folder: Path) -> list[tuple[str, str, dict]]:
    pages = []
    for expected_file in sorted(folder.glob("*/*.json")):
        urls = json.loads((expected_file.parent / "meta.info").read_text())
        expected = json.loads(expected_file.read_text())
        files = sorted(expected_file.parent.glob(f"{expected_file.stem}_*.html.gz"))
        for key, path in zip(sorted(expected), files):
            html = decode_html(gzip.decompress(path.read_bytes()))
            pages.append((urls[path.name]["url"], html, expected[key]))
    return pages


def fold(title: str | None) -> str:
    """Collapse whitespace and fold typographic quotes, which the expected titles mix."""
    quotes = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join((title or "").translate(quotes).split())


def test_news_pages_metadata_and_body():
    pages = load_news_pages(need_data("news-pages"))
    titles = dates = authors = 0
    body_hits = []
    for url, html, want in pages:
        article = parse_article(html, url)
        titles += fold(article.title) == fold(want["title"])
        if want.get("publishing_date"):
            expected_day = datetime.fromisoformat(want["publishing_date"])
            zone = expected_day.tzinfo or timezone.utc
            dates += bool(article.published) and article.published.astimezone(zone).date() == expected_day.date()
        names = {n.casefold() for n in want.get("authors") or []}
        authors += {n.casefold() for n in article.authors} == names
        paragraphs = [p for s in want["body"]["sections"] for p in s["paragraphs"]]
        text = " ".join(article.body_text().split())
        body_hits.append(sum(" ".join(p.split())[:80] in text for p in paragraphs) / max(1, len(paragraphs)))
        assert article.published is None or article.published.tzinfo is not None
    # On ~1 page in 4 the page's headlines differ (JSON-LD, og:title, <h1>) and the expected
    # value follows each publisher's own choice: pipeline/sites/headlines.json records it.
    assert titles / len(pages) >= 0.95
    assert dates / len(pages) >= 0.95
    assert authors / len(pages) >= 0.85
    assert sum(body_hits) / len(body_hits) >= 0.85


# --------------------------------------------------------------------------- local mirror pages

MIRROR_BASE = "http://127.0.0.1:8765"


def mirror_articles() -> list[dict]:
    from pipeline.mirror.articles import load_site

    return load_site()["articles"]


def mirror_chrome_texts(article: dict, others: list[dict]) -> list[str]:
    """Texts the page shows outside the article: related titles, teasers, ad, newsletter, donation."""
    texts = [b["title"] for b in article["blocks"] if b["type"] == "related"]
    texts += [o["title"] for o in others if o["id"] != article["id"]]
    texts += ["Advertisement", "Sign up for our free weekly newsletter", "Our weekly newsletter",
              "Independent journalism needs your support", "Support us", "Share on Facebook",
              "Most read", "Read more", "The views expressed in opinion pieces"]
    return texts


@pytest.mark.parametrize("index", range(len(mirror_articles())))
def test_mirror_article_page_matches_its_data(index):
    from pipeline.mirror.articles import article_url, expected_body, newest_first
    from pipeline.mirror.templates import render_article

    articles = mirror_articles()
    article = articles[index]
    others = newest_first(articles)
    url = article_url(article, MIRROR_BASE)
    parsed = parse_article(render_article(article, MIRROR_BASE, others), url)
    assert parsed.extractor == "moscow_times"
    assert "selectors_missed" not in parsed.problems
    assert parsed.title == article["title"]
    assert parsed.subtitle == (article["subtitle"] or None)
    assert parsed.authors == article["authors"]
    assert parsed.published == datetime.fromisoformat(article["published"]).astimezone(timezone.utc)
    assert parsed.modified == datetime.fromisoformat(article["modified"]).astimezone(timezone.utc)
    assert parsed.section == article["section_key"]
    assert parsed.tags == article["tags"]
    assert parsed.canonical_url == url
    assert parsed.body == expected_body(article)
    body = parsed.body_text()
    for text in mirror_chrome_texts(article, others):
        assert text not in body, f"non-article text in body: {text!r}"


def test_explicit_rules_apply_to_any_host():
    from pipeline.sites.moscow_times import RULES

    page = moscow_times_page(with_head=False)
    assert parse_article(page, "http://127.0.0.1:9/x").extractor == "generic"
    parsed = parse_article(page, "http://127.0.0.1:9/x", rules=RULES)
    assert parsed.extractor == "moscow_times"
    assert parsed.body == MT_PARAGRAPHS + [MT_HEADER, MT_QUOTE, MT_AFTER]


def test_mirror_pages_include_every_kind_of_chrome():
    """The mirror data must exercise the blocks the parser has to drop (else the test above is weak)."""
    kinds = {block["type"] for article in mirror_articles() for block in article["blocks"]}
    assert {"ad", "related", "newsletter", "contribute", "quote", "header"} <= kinds


@pytest.mark.parametrize("index", range(len(mirror_articles())))
def test_mirror_fragment_without_head(index):
    from pipeline.mirror.articles import expected_body, is_updated
    from pipeline.mirror.templates import render_article

    article = mirror_articles()[index]
    fragment = render_article(article, MIRROR_BASE, fragment=True)
    # A fragment has no <head> (no og:site_name), so rules come from the real host here.
    parsed = parse_article(fragment, f"https://www.themoscowtimes.com/all/{article['id']}")
    published = datetime.fromisoformat(article["published"]).astimezone(timezone.utc)
    assert parsed.title == article["title"]
    assert parsed.authors == article["authors"]
    assert parsed.body == expected_body(article)
    if is_updated(article):  # the byline shows the update; the URL still carries the day
        assert parsed.published.date() == datetime.fromisoformat(article["published"]).date()
        assert parsed.modified == datetime.fromisoformat(article["modified"]).astimezone(timezone.utc)
    else:
        assert parsed.published == published


def test_mirror_huge_page_is_capped_but_keeps_the_article():
    from pipeline.mirror.articles import article_url, expected_body
    from pipeline.mirror.templates import render_article

    article = next(a for a in mirror_articles() if len(expected_body(a)) > 2)
    page = render_article(article, MIRROR_BASE)
    head, tail = page.split("</body>", 1)
    huge = head + ("<p>" + "padding " * 127 + "</p>\n") * 6200 + "</body>" + tail
    parsed = parse_article(huge.encode(), article_url(article, MIRROR_BASE))
    assert "truncated_input" in parsed.problems
    assert parsed.body == expected_body(article)
    assert "padding padding" not in parsed.body_text()
