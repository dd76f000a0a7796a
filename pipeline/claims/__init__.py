"""Transfer-claim detection: text in, claims per ../shared/docs/transfer-claims.md out.

A trained dependency parser reads each sentence that may hold a claim; candidate claims (an item and the
trigger that may move it) are scored by models learned from labelled real articles; the sides come from
each party's place in the tree, the other fields from the words around. See README, "Claims".
"""

from pipeline.claims.claim import Claim
from pipeline.claims.detect import detect_claims
from pipeline.claims.jsonl import detect_jsonl, detect_record

__all__ = ["Claim", "detect_claims", "detect_jsonl", "detect_record"]
