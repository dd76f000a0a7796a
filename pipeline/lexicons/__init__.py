"""Data files for claim detection (parties, weapons, cues); see pipeline.claims."""
