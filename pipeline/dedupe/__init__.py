"""URL identity, near-duplicate articles and claim clusters: one story, one claim, one alert.

Three layers of "have we seen this already?":
- URL identity (urls): every variant of one article URL (tracking parameters, AMP, /pdf, http or
  https, www or not, trailing slash, the site's own article id) maps to one identity string.
- Near-duplicate articles (signatures, duplicates): MinHash (datasketch) over word shingles with an
  LSH index; the first-seen copy is canonical, later copies point at it (Article.duplicate_of_id) and
  only the lines a copy adds to its original (see added_lines) are analysed again.
- Claim clusters (clusters, claimants, figures, timelines): claims from any article that describe the
  same transfer join one ClaimCluster, which decides whether a claim is NEW, an UPDATE (and what
  changed) or a silent re-report.
"""

from pipeline.dedupe.claimants import ALERTING_KINDS, CLAIMANT_KINDS, classify_claimant
from pipeline.dedupe.clusters import (
    COMPATIBLE_CATEGORIES,
    MAX_GAP,
    QUANTITY_TOLERANCE,
    STATUS_RANK,
    ClaimDecision,
    claim_key,
    count_sources,
    describe_changes,
    find_cluster,
    merge_stance,
    record_claim,
)
from pipeline.dedupe.dates import aware
from pipeline.dedupe.duplicates import (
    LSH_BANDS,
    LSH_ROWS,
    MIN_CONTAINMENT,
    MIN_SHINGLES,
    NearDuplicateIndex,
    added_lines,
    check_text,
    load_near_duplicate_index,
    mark_near_duplicates,
)
from pipeline.dedupe.figures import COUNT_UNITS, CURRENCY_SIGNS, MONEY_UNITS, PERSONNEL_UNITS, format_quantity
from pipeline.dedupe.signatures import (
    MINHASH_SEED,
    NUM_PERM,
    SHINGLE_WORDS,
    WORD_RE,
    Signature,
    minhash_signature,
    shingle_hashes,
    signature_from_bytes,
    signature_to_bytes,
)
from pipeline.dedupe.timelines import cluster_timeline, list_clusters
from pipeline.dedupe.urls import (
    AMP_PARAMS,
    HOST_PREFIXES,
    IDENTITY_RULES,
    TRACKING_PARAMS,
    TRACKING_PREFIXES,
    VARIANT_SEGMENTS,
    canonicalize_url,
    url_identity,
)

__all__ = [
    "ALERTING_KINDS", "AMP_PARAMS", "CLAIMANT_KINDS", "COMPATIBLE_CATEGORIES", "COUNT_UNITS", "CURRENCY_SIGNS",
    "HOST_PREFIXES", "IDENTITY_RULES", "LSH_BANDS", "LSH_ROWS", "MAX_GAP", "MINHASH_SEED", "MIN_CONTAINMENT",
    "MIN_SHINGLES", "MONEY_UNITS", "NUM_PERM", "PERSONNEL_UNITS", "QUANTITY_TOLERANCE", "SHINGLE_WORDS",
    "STATUS_RANK", "TRACKING_PARAMS", "TRACKING_PREFIXES", "VARIANT_SEGMENTS", "WORD_RE",
    "ClaimDecision", "NearDuplicateIndex", "Signature",
    "added_lines", "aware", "canonicalize_url", "check_text", "claim_key", "classify_claimant", "cluster_timeline",
    "count_sources", "describe_changes", "find_cluster", "format_quantity", "list_clusters",
    "load_near_duplicate_index", "mark_near_duplicates", "merge_stance", "minhash_signature", "record_claim",
    "shingle_hashes", "signature_from_bytes", "signature_to_bytes", "url_identity",
]
