"""URL identity, near-duplicate articles and claim clusters (being split into modules)."""

from pipeline.dedupe.clusters import *  # noqa: F403
from pipeline.dedupe.clusters import _aware, _merge_stance  # noqa: F401
