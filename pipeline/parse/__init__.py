"""The parse stage as a package; this commit only moves the module (split into concerns next)."""

from pipeline.parse.metadata import *  # noqa: F401,F403 - the old module's public names, unchanged
