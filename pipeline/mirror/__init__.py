"""Local mirrors for tests, benchmarks and the demo: The Moscow Times (pages generated from article data) and the other outlets."""

from pipeline.mirror.server import LoggedRequest, MirrorServer, start_mirror

__all__ = ["LoggedRequest", "MirrorServer", "start_mirror"]
