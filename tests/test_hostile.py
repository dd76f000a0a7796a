"""Hostile and broken input: one real crawl (run_crawl, generic spider) of a local site full of traps.

The site serves good pages beside billion-laughs and external-entity feeds and sitemaps, a gzip bomb,
pages over the size limit, wrong and missing charsets, truncated HTML, a redirect loop, a robots.txt
ban, a 429 with Retry-After, a page slower than the timeout, and a feed link to another loopback
address the source does not allow. Each bad page is skipped with its reason; the good pages are kept.
"""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.config import load_settings
from pipeline.crawl import run_crawl
from pipeline.db import make_engine, make_sessionmaker, upgrade_database
from pipeline.mirror.outlets import OutletMirror
from pipeline.mirror.replies import Reply
from pipeline.mirror.server import HTML, RSS, TEXT, XML
from pipeline.models import RawPage
from pipeline.parse import parse_article
from pipeline.sources import crawl_arguments, find_source
from pipeline.store import read_raw_html
from spiders import discovery
from spiders.feeds import read_feed
from spiders.safety import is_public_address, refused_address

MAX_SIZE = 1024 * 1024
OVERRIDES = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 10, "DOWNLOAD_MAXSIZE": MAX_SIZE, "DOWNLOAD_WARNSIZE": 0,
    "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 2,
}
RUSSIAN = "Северная Корея поставила России артиллерийские снаряды, заявили в Сеуле."
GOOD = ("good-one", "good-two", "good-three", "in-laughs-feed", "in-xxe-sitemap")
# What each bad page must be recorded as in the crawl summary.
BAD = {"gzip-bomb": "too_large", "huge-page": "too_large", "endless-page": "too_large",
       "redirect-loop": "redirect_loop", "redirect-chain-0": "redirect_limit", "slow-page": "timeout"}


def article(title: str, paragraphs: list[str], charset_meta: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head>{meta}<title>{title}</title>'
            '<meta property="article:published_time" content="2024-08-04T09:30:00+00:00"></head>'
            f"<body><header><a href='/'>Home</a></header><article><h1>{title}</h1>{body}</article>"
            "<footer>Footer text</footer></body></html>")


def english(title: str) -> str:
    sentence = (f"{title} reported that a shipment of artillery ammunition crossed the border by rail this week, "
                "according to officials who described the transfer to reporters on condition of anonymity.")
    return article(title, [sentence, sentence.replace("this week", "last month"), sentence.upper().lower()])


def laughs(document: str) -> str:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?>\n<!DOCTYPE root [{entities}]>\n{document}'


def build_site(base: str, secret: Path, private_url: str) -> dict:
    """Routes of the trap site under /hostile/ (base is the mirror's root URL)."""
    site = f"{base}/hostile"
    bomb = gzip.compress(b" " * (20 * MAX_SIZE), compresslevel=9)
    huge = english("Huge page").replace("</article>", "<p>" + "padding " * (MAX_SIZE // 4) + "</p></article>")
    feed_items = "".join(f"<item><title>{name}</title><link>{site}/a/{name}</link></item>" for name in (
        "good-one", "good-two", "gzip-bomb", "huge-page", "endless-page", "cp1251-page", "mislabelled-page",
        "truncated-page", "redirect-loop", "redirect-chain-0", "robots-banned", "busy-page", "slow-page"))
    feed_items += f"<item><title>internal</title><link>{private_url}</link></item>"
    xxe_doctype = (f'<!DOCTYPE root [<!ENTITY xxe SYSTEM "file://{secret}">'
                   f'<!ENTITY % remote SYSTEM "{site}/evil.dtd"> %remote;]>')
    routes = {
        "/robots.txt": Reply(200, TEXT, b"User-agent: *\nDisallow: /hostile/a/robots-banned\n"),
        "/hostile/robots.txt": Reply(200, TEXT, b"User-agent: *\n"),
        "/hostile/feed.xml": Reply(200, RSS, f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                                             f"{feed_items}</channel></rss>".encode()),
        "/hostile/laughs.xml": Reply(200, RSS, laughs(
            f'<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
            f"<link>{site}/a/in-laughs-feed</link><description>&lol9;</description></item></channel></rss>").encode()),
        "/hostile/laughs-sitemap.xml": Reply(200, XML, laughs(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site}/a/good-three</loc></url><url><loc>&lol9;</loc></url></urlset>").encode()),
        "/hostile/xxe.xml": Reply(200, RSS, (f'<?xml version="1.0"?>\n{xxe_doctype}\n<rss version="2.0"><channel>'
                                             "<item><title>x</title><link>&xxe;</link></item></channel></rss>").encode()),
        "/hostile/xxe-sitemap.xml": Reply(200, XML, (
            f'<?xml version="1.0"?>\n{xxe_doctype}\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>&xxe;</loc></url><url><loc>{site}/a/in-xxe-sitemap</loc></url></urlset>").encode()),
        "/hostile/evil.dtd": Reply(200, XML, f'<!ENTITY leak "{site}/a/leaked-by-dtd">'.encode()),
        "/hostile/a/gzip-bomb": Reply(200, HTML, bomb, {"Content-Encoding": "gzip"}),
        "/hostile/a/huge-page": Reply(200, HTML, huge.encode()),
        "/hostile/a/endless-page": Reply(200, HTML, chunks=lambda: (b"<p>" + b"endless " * 8192 + b"</p>"
                                                                    for _ in range(10_000))),
        "/hostile/a/cp1251-page": Reply(200, "text/html", article(
            "Снаряды для России", [RUSSIAN] * 4, charset_meta=None).encode("cp1251")),
        "/hostile/a/mislabelled-page": Reply(200, "text/html; charset=iso-8859-1", article(
            "Mislabelled page", [RUSSIAN, "Café Zürich: déjà vu — “quoted” text in UTF-8."] * 2,
            charset_meta="iso-8859-1").encode("utf-8")),
        "/hostile/a/truncated-page": Reply(200, HTML, english("Truncated page").encode()[:-200]),
        "/hostile/a/redirect-loop": Reply(302, HTML, b"", {"Location": f"{site}/a/redirect-loop-b"}),
        "/hostile/a/redirect-loop-b": Reply(302, HTML, b"", {"Location": f"{site}/a/redirect-loop"}),
        "/hostile/a/robots-banned": Reply(200, HTML, english("Robots banned").encode()),
        "/hostile/a/slow-page": Reply(200, HTML, english("Slow page").encode(), delay=60),
        "/hostile/a/leaked-secret": Reply(200, HTML, english("Leaked").encode()),
        "/hostile/a/leaked-by-dtd": Reply(200, HTML, english("Leaked").encode()),
    }
    for hop in range(30):  # distinct URLs, so only the redirect limit (20) stops the chain
        routes[f"/hostile/a/redirect-chain-{hop}"] = Reply(302, HTML, b"", {"Location": f"{site}/a/redirect-chain-{hop + 1}"})
    for name in ("good-one", "good-two", "good-three", "in-laughs-feed", "in-xxe-sitemap"):
        routes[f"/hostile/a/{name}"] = Reply(200, HTML, english(name.replace("-", " ").title()).encode())
    return routes


def busy_handler(mirror: OutletMirror):
    """429 with Retry-After: 1 on the first request, the page afterwards."""
    def answer(base: str) -> Reply:
        if mirror.count_hit("busy") == 0:
            return Reply(429, HTML, b"<html><body>Too many requests</body></html>", {"Retry-After": "1"})
        return Reply(200, HTML, english("Busy page").encode())
    return answer


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Serve the trap site, crawl it once through run_crawl, and hand the results to the tests."""
    tmp = tmp_path_factory.mktemp("hostile")
    try:
        internal = OutletMirror({"/internal/a/private-page": lambda base: Reply(200, HTML, b"internal")},
                                host="127.0.0.2").start()
    except OSError as error:
        pytest.skip(f"cannot bind 127.0.0.2 for the private-address test: {error}")
    mirror = OutletMirror().start()
    secret = tmp / "secret.txt"
    secret.write_text(f"{mirror.base_url}/hostile/a/leaked-secret")
    site = build_site(mirror.base_url, secret, f"{internal.base_url}/internal/a/private-page")
    mirror.routes.update({path: (lambda reply: lambda base: reply)(reply) for path, reply in site.items()})
    mirror.routes["/hostile/a/busy-page"] = busy_handler(mirror)
    folder = tmp / "sources"
    folder.mkdir()
    (folder / "hostile.yaml").write_text(
        f"key: hostile\nname: Hostile\nbase_url: {mirror.base_url}/hostile\n"
        "feeds: [/feed.xml, /laughs.xml, /xxe.xml]\nsitemaps: [/laughs-sitemap.xml, /xxe-sitemap.xml]\n"
        "allowed_domains: [127.0.0.1, 127.0.0.2]\narticle_pattern: '^(?:/hostile|/internal)?/a/[a-z0-9-]+$'\n"
        "allow_private_hosts: [127.0.0.1]\nmax_age_days: 0\n")
    settings = load_settings({"TW_STATE_DIR": str(tmp / "state"), "TW_DATABASE_URL": f"sqlite:///{tmp / 'tw.db'}",
                              "TW_SOURCES_DIR": str(folder)})
    upgrade_database(settings.database_url)
    arguments = crawl_arguments(settings, find_source(settings, "hostile"))
    arguments["overrides"].update(OVERRIDES)
    summary = run_crawl(settings, "hostile-run", source="hostile", timeout=900, **arguments)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        pages = {p.url.rsplit("/", 1)[1]: (p.url, read_raw_html(p), p.content_type)
                 for p in session.scalars(select(RawPage))}
    engine.dispose()
    yield {"summary": summary, "pages": pages, "paths": mirror.paths(), "requests": mirror.requests,
           "internal": internal.paths(), "settings": settings}
    mirror.stop()
    internal.stop()


def reasons(summary: dict) -> dict[str, str]:
    return {entry["url"].rsplit("/", 1)[1]: entry["reason"] for entry in summary["error_pages"]}


def test_good_pages_are_kept_beside_every_trap(crawl):
    stored = set(crawl["pages"])
    assert set(GOOD) <= stored
    assert {"cp1251-page", "mislabelled-page", "truncated-page", "busy-page"} <= stored
    assert not stored & (set(BAD) | {"robots-banned", "private-page", "leaked-secret", "leaked-by-dtd"})
    for name in GOOD:
        parsed = parse_article(crawl["pages"][name][1], crawl["pages"][name][0])
        assert parsed.title == name.replace("-", " ").title() and len(parsed.body) >= 2


def test_each_bad_page_is_recorded_with_its_reason(crawl):
    recorded = reasons(crawl["summary"])
    for name, reason in BAD.items():
        assert recorded.get(name) == reason, (name, recorded)
    assert recorded.get("private-page") == "private_host"
    assert crawl["summary"]["skipped"].get("robots") == 1


def test_billion_laughs_feeds_and_sitemaps_are_read_without_expansion(crawl):
    # The links beside the entity bombs are still found; nothing expanded reached a URL or a request.
    assert {"in-laughs-feed", "good-three"} <= set(crawl["pages"])
    assert not any("lollol" in path for path in crawl["paths"])
    body = laughs('<rss version="2.0"><channel><item><title>&lol9;</title><link>https://x.org/a/1</link>'
                  "<description>&lol9;</description></item></channel></rss>").encode()
    entries = read_feed(body)
    assert [e.url for e in entries] == ["https://x.org/a/1"]
    root = discovery.parse_xml(body)
    assert root is None or "lollol" not in "".join(root.itertext())


def test_external_entities_never_read_local_files_or_fetch_dtds(crawl, tmp_path):
    assert "in-xxe-sitemap" in crawl["pages"]
    assert not any(p.endswith(("/leaked-secret", "/leaked-by-dtd", "/evil.dtd")) for p in crawl["paths"])
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><item><title>&xxe;</title><link>&xxe;</link></item></channel></rss>').encode()
    entries = read_feed(body)
    assert all("TOP-SECRET-MARKER" not in e.url for e in entries)
    _, sitemap_entries = discovery.read_sitemap(body.replace(b"rss", b"urlset"))
    assert all("TOP-SECRET-MARKER" not in e.url for e in sitemap_entries)


def test_gzip_bomb_is_stopped_by_the_size_limit(crawl):
    bomb = [r for r in crawl["requests"] if r.path.endswith("/a/gzip-bomb")]
    assert bomb and "gzip" in bomb[0].headers.get("Accept-Encoding", "")
    assert reasons(crawl["summary"])["gzip-bomb"] == "too_large"


def test_pages_over_the_size_limit_are_refused_with_or_without_a_length(crawl):
    recorded = reasons(crawl["summary"])
    assert recorded["huge-page"] == "too_large" and recorded["endless-page"] == "too_large"
    assert "huge-page" not in crawl["pages"] and "endless-page" not in crawl["pages"]


def test_wrong_or_missing_charset_pages_are_stored_and_parse_to_correct_text(crawl):
    url, html, content_type = crawl["pages"]["cp1251-page"]
    assert content_type == "text/html" and html == article("Снаряды для России", [RUSSIAN] * 4, None).encode("cp1251")
    parsed = parse_article(html, url)
    assert parsed.title == "Снаряды для России" and RUSSIAN in parsed.body_text()
    url, html, content_type = crawl["pages"]["mislabelled-page"]
    assert "iso-8859-1" in content_type
    parsed = parse_article(html, url)
    assert RUSSIAN in parsed.body_text() and "Café Zürich: déjà vu — “quoted” text" in parsed.body_text()
    assert "Ð" not in parsed.body_text()  # no mojibake from trusting the label


def test_truncated_html_is_stored_and_parses_what_arrived(crawl):
    url, html, _ = crawl["pages"]["truncated-page"]
    assert not html.rstrip().endswith(b"</html>")
    parsed = parse_article(html, url)
    assert parsed.title == "Truncated page" and "shipment of artillery ammunition" in parsed.body_text()


def test_redirect_loop_ends_and_is_recorded(crawl):
    hops = [p for p in crawl["paths"] if "/a/redirect-loop" in p]
    assert 2 <= len(hops) <= 21  # stopped by the duplicate filter (or the redirect limit), not forever
    assert reasons(crawl["summary"])["redirect-loop"] == "redirect_loop"


def test_robots_txt_disallow_is_obeyed(crawl):
    assert not any(p.endswith("/a/robots-banned") for p in crawl["paths"])
    assert "robots-banned" not in reasons(crawl["summary"])  # a skip by rule, not an error


def test_429_is_retried_after_its_retry_after(crawl):
    busy = [r for r in crawl["requests"] if r.path.endswith("/a/busy-page")]
    assert [r.status for r in busy] == [429, 200]
    assert "busy-page" in crawl["pages"]


def test_slow_page_times_out_and_the_run_goes_on(crawl):
    assert reasons(crawl["summary"])["slow-page"] == "timeout"
    assert crawl["summary"]["finish_reason"] == "finished"


def test_feed_links_to_private_addresses_are_not_followed(crawl):
    assert crawl["internal"] == []  # the server on 127.0.0.2 never saw a request
    assert reasons(crawl["summary"])["private-page"] == "private_host"


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "127.0.0.1",
                                     "::1", "fe80::1", "::ffff:10.0.0.5", "0.0.0.0", "100.64.0.1"])
def test_private_loopback_and_link_local_addresses_are_refused_by_default(address):
    assert not is_public_address(address)
    assert refused_address(address, False) is not None
    assert refused_address(address, True) is None


def test_allow_list_lets_only_the_named_addresses_through():
    assert refused_address("127.0.0.1", ("127.0.0.1",)) is None
    assert refused_address("127.0.0.2", ("127.0.0.1",)) == "127.0.0.2"
    assert refused_address("10.1.2.3", ("10.0.0.0/8",)) is None
    assert refused_address("93.184.216.34", False) is None  # public: always allowed
    assert refused_address("localhost", ("10.0.0.0/8",)) is not None  # resolves to loopback


def test_production_default_refuses_a_private_base_url(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "local.yaml").write_text("key: local\nname: Local\nbase_url: http://127.0.0.1:9/x\nfeeds: [/rss]\n")
    settings = load_settings({"TW_STATE_DIR": str(tmp_path / "state"),
                              "TW_DATABASE_URL": f"sqlite:///{tmp_path / 'tw.db'}", "TW_SOURCES_DIR": str(folder)})
    upgrade_database(settings.database_url)
    arguments = crawl_arguments(settings, find_source(settings, "local"))
    from pipeline.crawl import CrawlError

    with pytest.raises(CrawlError, match="refusing to crawl private host"):
        run_crawl(replace(settings, allow_private_hosts=False), "local-run", source="local", timeout=600, **arguments)

