"""Article data of the local Moscow Times mirror: the records in pages/articles.json and what derives from them.

Paths, URLs, slugs and the expected body text come from here, so the pages, the feeds and the tests agree.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

ARTICLES_FILE = Path(__file__).parent / "pages" / "articles.json"
SITE_NAME = "The Moscow Times"


def load_site(path: Path = ARTICLES_FILE) -> dict:
    """Read the mirror's article data, filling the defaults of fault pages.

    Args:
        path: the JSON data file.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["faults"] = [fault_article(entry) for entry in data.get("faults", [])]
    return data


def fault_article(entry: dict) -> dict:
    """Turn a short fault entry into a full (minimal) article record."""
    published = entry.get("published", "2023-11-02T12:00:00+03:00")
    return {
        "type": "News", "section": "News", "section_key": "news", "listed": "faults",
        "subtitle": "", "authors": ["The Moscow Times"], "tags": ["Test"], "intro": "", "image": None,
        "published": published, "modified": published, "claims": [], "near_misses": [],
        "blocks": [{"type": "html", "paragraphs": [f"{entry['title']} is a page the mirror breaks on purpose."]}],
        **entry,
    }


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time with offset."""
    return datetime.fromisoformat(value)


def slugify(text: str) -> str:
    """Make a URL slug the way the site does for tags and authors."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def section_slug(article: dict) -> str:
    """Return the URL form of an article's section key (ukraine_war -> ukraine-war)."""
    return article["section_key"].replace("_", "-")


def article_path(article: dict) -> str:
    """Return the site path of an article: /YYYY/MM/DD/<slug>-a<id>."""
    day = parse_time(article["published"])
    return f"/{day:%Y/%m/%d}/{article['slug']}-a{article['id']}"


def article_url(article: dict, base_url: str) -> str:
    """Return the absolute canonical URL of an article.

    Args:
        article: an article record.
        base_url: scheme and host of the serving site, no trailing slash.
    """
    return base_url + article_path(article)


def is_updated(article: dict) -> bool:
    """Tell whether the article was modified after publication."""
    return parse_time(article["modified"]) > parse_time(article["published"])


def author_names(article: dict) -> str:
    """Join the authors as the site does in feed titles ("A and B")."""
    return " and ".join(article["authors"])


def excerpt(article: dict) -> str:
    """Return the short description used in <meta> and RSS."""
    if article["subtitle"]:
        return article["subtitle"]
    return expected_body(article)[0]


def expected_body(article: dict) -> list[str]:
    """Return the body paragraphs a correct parser extracts, in order (headers and quotes included).

    Args:
        article: an article record.
    """
    paragraphs: list[str] = []
    for block in article["blocks"]:
        if block["type"] == "html":
            paragraphs.extend(block["paragraphs"])
        elif block["type"] in {"header", "quote"}:
            paragraphs.append(block["text"])
    return paragraphs


def newest_first(articles: list[dict]) -> list[dict]:
    """Sort articles by publication time, newest first."""
    return sorted(articles, key=lambda a: parse_time(a["published"]), reverse=True)


def shift_modified(article: dict, moment: datetime) -> dict:
    """Return a copy of the article modified at `moment`, with a changed last paragraph.

    Args:
        article: an article record.
        moment: the new modification time (aware).
    """
    updated = json.loads(json.dumps(article))
    updated["modified"] = moment.astimezone(parse_time(article["published"]).tzinfo).isoformat(timespec="seconds")
    note = f"This article was updated at {updated['modified']}."
    updated["blocks"].append({"type": "html", "paragraphs": [note]})
    return updated


def next_second(moment: datetime) -> datetime:
    """Round an aware time up to the next whole second (feeds carry seconds only)."""
    return moment.replace(microsecond=0) + timedelta(seconds=1)
