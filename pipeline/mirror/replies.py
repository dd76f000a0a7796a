"""What the outlets mirror answers with: replies, the handlers that make them, and the pages it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pipeline.mirror.server import HTML


@dataclass
class Reply:
    """One HTTP answer. `chunks` (when set) is sent instead of `body`, for streamed or endless bodies."""

    status: int = 200
    content_type: str | None = HTML
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: Callable[[], object] | None = None


# A handler gets the mirror's base URL (no trailing slash) and returns a Reply.
Handler = Callable[[str], Reply]


@dataclass(frozen=True)
class Page:
    """An article the mirror serves: where, what, and whether feeds and listings show it."""

    path: str
    title: str
    html: bytes
    listed: bool = True


def constant(reply: Reply) -> Handler:
    """A handler that always gives the same reply."""
    return lambda base: reply


def text_reply(render: Callable[[str], str], content_type: str) -> Handler:
    """A handler rendering text from the base URL (feeds and sitemaps name the serving host)."""
    return lambda base: Reply(200, content_type, render(base).encode("utf-8"))


def page_handler(page: Page) -> Handler:
    """A handler serving an article page."""
    return constant(Reply(200, HTML, page.html))
