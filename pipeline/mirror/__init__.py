"""Local mirror of The Moscow Times for tests and the demo (pages generated from article data)."""

from pipeline.mirror.server import LoggedRequest, MirrorServer, start_mirror

__all__ = ["LoggedRequest", "MirrorServer", "start_mirror"]
