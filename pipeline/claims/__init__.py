"""Transfer-claim detection: text in, claims per ../shared/docs/transfer-claims.md out."""

from pipeline.claims.rules import Claim, detect_claims, detect_jsonl, detect_record, load_rules

__all__ = ["Claim", "detect_claims", "detect_jsonl", "detect_record", "load_rules"]
