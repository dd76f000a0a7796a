"""The local Moscow Times mirror serves the site described in docs/moscow-times-site.md."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pipeline.mirror import start_mirror
from pipeline.mirror.articles import article_path, article_url, expected_body, is_updated, load_site

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def fetch(base_url: str, path: str, timeout: float = 5) -> tuple[int, str, bytes]:
    """GET a mirror path; return (status, content type, body) also for error statuses."""
    try:
        with urllib.request.urlopen(base_url + path, timeout=timeout) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture(scope="module")
def mirror():
    with start_mirror() as server:
        yield server


@pytest.fixture(scope="module")
def faulty():
    with start_mirror(faults=True, slow_seconds=2) as server:
        yield server


@pytest.fixture(scope="module")
def data():
    return load_site()


def article_by_id(data: dict, article_id: int) -> dict:
    return next(a for a in data["articles"] if a["id"] == article_id)


def test_every_documented_path_is_served_with_its_content_type(mirror, data):
    seed = article_by_id(data, 990160)
    paths = {
        "/robots.txt": "text/plain",
        "/rss/news": "application/rss+xml",
        "/rss/all": "application/rss+xml",
        "/rss/opinion": "application/rss+xml",
        "/rss/arts-and-life": "application/rss+xml",
        "/sitemap/sitemap.xml": "application/xml",
        "/sitemap/2023-11.xml": "application/xml",
        "/sitemap/newsmap.xml": "application/xml",
        "/sitemap/news/ukraine-war.xml": "application/xml",
        "/news/": "text/html",
        "/news/18": "text/html",
        "/ukraine-war/": "text/html",
        "/opinion/": "text/html",
        article_path(seed): "text/html",
        f"/all/{seed['id']}": "text/html",
        "/tag/north-korea": "text/html",
        "/author/afp": "text/html",
        "/live/990190": "text/html",
    }
    for path, expected_type in paths.items():
        status, content_type, body = fetch(mirror.base_url, path)
        assert status == 200, path
        assert content_type.startswith(expected_type), (path, content_type)
        assert body, path
    assert fetch(mirror.base_url, "/rss/business")[0] == 404  # the site has no business feed
    assert fetch(mirror.base_url, "/sitemap/2023-09.xml")[0] == 404  # months are not zero-padded
    assert fetch(mirror.base_url, "/no/such/page")[0] == 404


def test_robots_disallows_per_the_docs_and_names_the_mirrors_own_sitemap(mirror):
    text = fetch(mirror.base_url, "/robots.txt")[2].decode()
    for rule in ("Disallow: /preview/", "Disallow: /search/", "Disallow: *?utm", "Disallow: *&utm"):
        assert rule in text
    assert f"Sitemap: {mirror.base_url}/sitemap/sitemap.xml" in text
    assert "static.themoscowtimes.com" not in text


def test_there_are_at_least_twelve_articles_all_reachable_by_id_alone(mirror, data):
    listed = [a for a in data["articles"] if a["listed"] == "feeds"]
    assert len(data["articles"]) >= 12
    for article in data["articles"]:
        status, _, body = fetch(mirror.base_url, f"/2023/01/01/any-slug-a{article['id']}")
        assert status == 200
        assert f'id="article-id-{article["id"]}"' in body.decode()
    assert {a["type"] for a in listed} >= {"News", "Opinion"}


def test_article_page_matches_its_source_data(mirror, data):
    for article in data["articles"]:
        html = fetch(mirror.base_url, article_path(article))[2].decode()
        soup = BeautifulSoup(html, "html.parser")
        url = article_url(article, mirror.base_url)
        assert soup.select_one("link[rel=canonical]")["href"] == url
        assert soup.select_one("meta[property='og:url']")["content"] == url
        assert soup.select_one("meta[property='article:published_time']")["content"] == article["published"]
        assert soup.select_one("meta[property='article:modified_time']")["content"] == article["modified"]
        assert soup.select_one("meta[property='article:section']")["content"] == article["section_key"]
        assert [m["content"] for m in soup.select("meta[property='article:tag']")] == article["tags"]
        assert soup.select_one("div.gtm-section")["data-section"] == article["section_key"]
        body = soup.select_one(f"div.article-container#article-id-{article['id']} article.article")
        assert body.select_one("header.article__header h1 > a").get_text() == article["title"]
        assert body.select_one("header.article__header h2").get_text() == article["subtitle"]
        assert [a.get_text() for a in body.select("div.article__byline a.byline__author__name")] == article["authors"]
        assert [a.get_text() for a in body.select("div.article__tags a.tag.article__tags__tag")] == article["tags"]
        ld = json.loads(soup.select_one("script[type='application/ld+json']").string)
        assert ld["@type"] == "NewsArticle"
        assert (ld["headline"], ld["url"], ld["datePublished"], ld["dateModified"]) == (
            article["title"], url, article["published"], article["modified"])
        assert ld["author"]["name"] == article["authors"][0]
        content = body.select_one("div.article__content")
        texts = [e.get_text() for e in content.select(
            "div.article__block--html p, div.article__block--header h2, div.article__block--quote blockquote p")]
        assert texts == expected_body(article)


def test_seed_story_carries_the_claims_and_every_non_text_block(mirror, data):
    article = article_by_id(data, 990160)
    pairs = {(c["supplier"], c["recipient"], c["category"]) for c in article["claims"]}
    assert ("PRK", "RUS", "artillery_ammunition") in pairs
    assert ("RUS", "PRK", "technology") in pairs
    html = fetch(mirror.base_url, article_path(article))[2].decode()
    soup = BeautifulSoup(html, "html.parser")
    content = soup.select_one("div.article__content")
    related = content.select_one("aside.article__related-article")
    assert related is not None and "Russian Ships Seen Unloading" in related.get_text()
    assert content.select_one("section[y-name=banner]") is not None
    assert content.select_one("div.article__newsletter") is not None
    assert content.select_one("div.contribute-banner") is not None
    for selector in ("aside.sidebar", "section.cluster", "div#load-next-article", "div.preheader_advert",
                     "div.byline__social", "header.header nav", "footer.footer"):
        assert soup.select_one(selector) is not None, selector
    body_text = " ".join(expected_body(article))
    for claim in article["claims"]:
        assert claim["sentence_contains"] in body_text
    assert "Russian Ships Seen Unloading" not in body_text


def test_claim_sentences_are_in_their_article_bodies(data):
    with_claims = [a for a in data["articles"] if a["claims"]]
    without = [a for a in data["articles"] if not a["claims"]]
    assert len(with_claims) >= 4 and len(without) >= 5
    for article in with_claims:
        body_text = " ".join(expected_body(article))
        for claim in article["claims"]:
            assert claim["sentence_contains"] in body_text, (article["id"], claim)


def test_opinion_and_updated_articles(mirror, data):
    opinion = next(a for a in data["articles"] if a["type"] == "Opinion")
    soup = BeautifulSoup(fetch(mirror.base_url, article_path(opinion))[2], "html.parser")
    assert soup.select_one("span.label.article__label.label--opinion") is not None
    assert soup.select_one("div.article__disclaimer") is not None
    updated = [a for a in data["articles"] if is_updated(a)]
    assert len(updated) == 1
    soup = BeautifulSoup(fetch(mirror.base_url, article_path(updated[0]))[2], "html.parser")
    stamp = soup.select_one("div.article__byline time.byline__datetime")
    assert stamp.get_text().startswith("Updated:")
    assert stamp["datetime"] == updated[0]["modified"] != updated[0]["published"]


def test_infinite_scroll_fragment_has_no_head(mirror):
    html = fetch(mirror.base_url, "/all/990160")[2].decode()
    assert "<head>" not in html and 'id="article-id-990160"' in html


def test_rss_all_has_full_bodies_categories_and_author_prefixed_opinion_titles(mirror, data):
    body = fetch(mirror.base_url, "/rss/all")[2]
    assert b"<![CDATA[" in body
    items = ET.fromstring(body).findall("./channel/item")
    by_link = {item.findtext("link"): item for item in items}
    opinion = next(a for a in data["articles"] if a["type"] == "Opinion")
    item = by_link[article_url(opinion, mirror.base_url)]
    assert item.findtext("title") == f"Mark Ellison and Daria Kuznetsova: {opinion['title']}"
    assert item.findtext("category") == "Opinion - Opinion"
    seed = by_link[article_url(article_by_id(data, 990160), mirror.base_url)]
    assert seed.findtext("category") == "News - Ukraine War"
    assert "North Korea has sent Russia more than one million artillery shells" in seed.findtext("description")
    assert "Related article" not in seed.findtext("description")


def test_rss_news_fields_and_the_utm_variant(mirror, data):
    root = ET.fromstring(fetch(mirror.base_url, "/rss/news")[2])
    assert root.findtext("./channel/ttl") == "600"
    items = root.findall("./channel/item")
    assert items and len(items) <= 50
    for item in items:
        assert item.findtext("guid") == item.findtext("link")
        assert parsedate_to_datetime(item.findtext("pubDate")).utcoffset() is not None
    links = [item.findtext("link") for item in items]
    seed_url = article_url(article_by_id(data, 990160), mirror.base_url)
    assert any(link.startswith(seed_url + "?utm_source=") for link in links)
    assert seed_url not in links
    opinion_url = article_url(next(a for a in data["articles"] if a["type"] == "Opinion"), mirror.base_url)
    assert opinion_url not in links  # /rss/news holds news only


def test_sitemap_index_lists_unpadded_months_with_lastmod_and_children_hold_loc_only(mirror):
    index = ET.fromstring(fetch(mirror.base_url, "/sitemap/sitemap.xml")[2])
    children = index.findall(f"{SM}sitemap")
    locs = [c.findtext(f"{SM}loc") for c in children]
    assert all(c.findtext(f"{SM}lastmod") for c in children)
    assert f"{mirror.base_url}/sitemap/2023-9.xml" in locs
    assert not any(re.search(r"/\d{4}-0\d\.xml$", loc) for loc in locs)
    child = ET.fromstring(fetch(mirror.base_url, "/sitemap/2023-11.xml")[2])
    urls = child.findall(f"{SM}url")
    assert urls and all([e.tag for e in url] == [f"{SM}loc"] for url in urls)


def test_news_sitemap_is_invalid_xml_because_of_a_bare_ampersand(mirror):
    index = ET.fromstring(fetch(mirror.base_url, "/sitemap/newsmap.xml")[2])
    news_urls = [loc.text for loc in index.iter(f"{SM}loc")]
    assert f"{mirror.base_url}/sitemap/news/news.xml" in news_urls
    broken = 0
    for url in news_urls:
        body = fetch(mirror.base_url, url.removeprefix(mirror.base_url))[2]
        assert b"<news:publication_date>" in body and b"<news:keywords>" in body
        try:
            ET.fromstring(body)
        except ET.ParseError:
            broken += 1
            assert b"Pyongyang & Tehran</news:title>" in body
    assert broken == 1


def test_listing_has_the_utm_variant_and_a_preview_link(mirror):
    soup = BeautifulSoup(fetch(mirror.base_url, "/news/")[2], "html.parser")
    hrefs = [a["href"] for a in soup.select("div.listed-articles a[href]")]
    assert any("?utm_source=" in href for href in hrefs)
    assert any("/preview/" in href for href in hrefs)
    assert not any("very-slow-story" in href for href in hrefs)


def test_fault_pages_are_listed_only_in_fault_mode(mirror, faulty):
    assert b"server-error-story" not in fetch(mirror.base_url, "/rss/news")[2]
    assert b"server-error-story" in fetch(faulty.base_url, "/rss/news")[2]
    assert b"forbidden-story" in fetch(faulty.base_url, "/robots.txt")[2]
    assert b"forbidden-story" not in fetch(mirror.base_url, "/robots.txt")[2]
    assert b"server-error-story" not in fetch(faulty.base_url, "/rss/all")[2]


def test_fault_pages_fail_as_announced(faulty):
    assert fetch(faulty.base_url, "/broken/500")[0] == 500
    assert fetch(faulty.base_url, "/broken/404")[0] == 404
    assert fetch(faulty.base_url, "/2023/11/02/server-error-story-a990501")[0] == 500
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        fetch(faulty.base_url, "/broken/slow", timeout=0.3)
    truncated = fetch(faulty.base_url, "/broken/truncated")[2]
    assert b"article__content" in truncated and b"</html>" not in truncated
    with pytest.raises(http.client.IncompleteRead):
        fetch(faulty.base_url, "/2023/11/02/cut-connection-story-a990206")
    assert fetch(faulty.base_url, "/2023/11/02/flaky-story-a990503")[0] == 503
    assert fetch(faulty.base_url, "/2023/11/02/flaky-story-a990503")[0] == 200


def test_request_log_and_touch_article():
    with start_mirror() as server:
        fetch(server.base_url, "/rss/news")
        fetch(server.base_url, "/nope")
        assert [(r.path, r.status) for r in server.requests] == [("/rss/news", 200), ("/nope", 404)]
        server.clear_log()
        assert server.paths() == []
        updated = server.touch_article(990170)
        assert is_updated(updated)
        news = fetch(server.base_url, "/sitemap/news/news.xml")[2].decode()
        assert f"<lastmod>{updated['modified']}</lastmod>" in news
        page = fetch(server.base_url, article_path(updated))[2].decode()
        assert f"This article was updated at {updated['modified']}." in page


def test_mirror_runs_standalone():
    process = subprocess.Popen([sys.executable, "-m", "pipeline.mirror", "--port", "0"], cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        base_url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        assert fetch(base_url, "/robots.txt")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
