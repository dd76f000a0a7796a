"""The outlets we crawl: The Moscow Times built in, more from configuration."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Settings


@dataclass(frozen=True)
class SourceConfig:
    """What the pipeline needs to know about one outlet."""

    key: str
    name: str
    base_url: str
    spider: str


def load_sources(settings: Settings) -> list[SourceConfig]:
    """Return every configured source, with base URLs taken from settings.

    Args:
        settings: the run's settings (a base URL there points a source at a mirror).
    """
    return [
        SourceConfig(
            key="moscow_times",
            name="The Moscow Times",
            base_url=settings.moscow_times_base_url,
            spider="moscow_times",
        )
    ]
