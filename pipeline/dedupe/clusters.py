"""URL identity, near-duplicate articles and claim clusters: one story, one claim, one alert.

Three layers of "have we seen this already?":
- URL identity: every variant of one article URL (tracking parameters, AMP, /pdf, http or https, www or
  not, trailing slash, the site's own article id) maps to one identity string.
- Near-duplicate articles: MinHash (datasketch) over word shingles with an LSH index; the first-seen
  copy is canonical, later copies point at it (Article.duplicate_of_id) and only the lines a copy
  adds to its original (see added_lines) are analysed again.
- Claim clusters: claims from any article that describe the same transfer join one ClaimCluster, which
  decides whether a claim is NEW, an UPDATE (and what changed) or a silent re-report.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, defer
from w3lib.url import canonicalize_url as _w3_canonicalize

from pipeline.models import Alert, Article, Claim, ClaimCluster, Source

if TYPE_CHECKING:  # datasketch imports scipy (~1 s): every crawl subprocess would pay it for url_identity
    from datasketch import LeanMinHash


# ---------------------------------------------------------------------------------------------------
# URL identity
# ---------------------------------------------------------------------------------------------------

# Query parameters that only say where a reader came from; matched on the lower-cased name.
# An explicit list, not a loose pattern: a loose one also eats content parameters ("gallery", "refresh").
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "igsh",
        "mc_cid", "mc_eid", "ocid", "cmp", "cmpid", "intcmp", "icid", "smid", "smtyp", "s_cid", "ref",
        "ref_src", "ref_url", "referrer", "share", "src", "rss", "feature", "xtor", "ito", "spm",
        "guccounter", "guce_referrer", "guce_referrer_sig", "_ga", "_gl", "sr_share", "mbid", "cmpgn",
    }
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "ns_", "at_", "hsa_", "oly_", "vero_", "itm_", "_hs")
# Query parameters that only ask for the AMP rendering of the same article.
AMP_PARAMS = frozenset({"amp", "_amp", "outputtype", "amp_js_v", "usqp"})
# Host prefixes that serve the same article under another name.
HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
# Trailing path segments that are another rendering of the article above them.
VARIANT_SEGMENTS = frozenset({"amp", "pdf"})

# Per-site identity rules: the site's own article id, read from the path after variants are removed.
IDENTITY_RULES: dict[str, tuple[re.Pattern[str], ...]] = {
    # The Moscow Times finds an article by its trailing a<digits> alone; /all/<id> is the same article.
    "moscow_times": (re.compile(r"-a(\d+)$"), re.compile(r"^/all/(\d+)$")),
}


def canonicalize_url(url: str) -> str:
    """Return the identity form of `url`: https, bare host, no tracking, AMP, /pdf, fragment or trailing slash.

    The result names the article, it is not meant for fetching: `www.`, `amp.` and `m.` host prefixes
    are dropped (sites redirect between them). Local hosts (localhost, IP addresses, such as the test
    mirror) keep their scheme and port so their URLs stay fetchable.

    Args:
        url: any absolute http(s) URL.
    """
    url = _unwrap_amp_cache(url.strip())
    parts = urlsplit(_w3_canonicalize(url, keep_fragments=False))
    scheme, host, port = parts.scheme, parts.hostname or "", _read_port(parts)
    if not _is_local_host(host):
        scheme = "https"
        host = _strip_host_prefix(host)
        port = None if port in (80, 443) else port
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port is not None else ""
    path, query = parts.path, parts.query
    path = _strip_path_variants(path)
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_noise_param(k)]
    return urlunsplit((scheme, netloc, path, urlencode(pairs), ""))


def url_identity(url: str, source_key: str) -> str:
    """Return the stable identity of an article URL: the site's own id where it has one.

    Args:
        url: the article URL (any variant, any host: the local mirror shares the site's paths).
        source_key: the source key, which selects the per-site rule (e.g. "moscow_times").
    """
    canonical = canonicalize_url(url)
    path = urlsplit(canonical).path
    for rule in IDENTITY_RULES.get(source_key, ()):
        match = rule.search(path)
        if match:
            return f"{source_key}:a{match.group(1)}"
    return f"{source_key}:{canonical}"


def _unwrap_amp_cache(url: str) -> str:
    """Return the publisher URL inside a Google AMP cache or viewer URL, else `url`."""
    match = re.match(r"^https?://[^/]+(?:\.cdn\.ampproject\.org/[a-z]+(?:/s)?|google\.[a-z.]+/amp(?:/s)?)/(.+)$", url)
    if not match:
        return url
    return "https://" + match.group(1)


def _read_port(parts) -> int | None:
    """Return the explicit port of a split URL, or None when absent or malformed."""
    try:
        return parts.port
    except ValueError:
        return None


def _strip_host_prefix(host: str) -> str:
    """Drop one `www.`, `amp.` or `m.` style prefix, keeping at least a registrable-looking name."""
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix):]
    return host


def _is_local_host(host: str) -> bool:
    """Tell whether `host` is localhost or an IP address (served by us, e.g. the test mirror)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _strip_path_variants(path: str) -> str:
    """Remove AMP and PDF renderings and the trailing slash from a URL path."""
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == "amp" and len(segments) > 1:
        segments = segments[1:]
    while len(segments) > 1 and segments[-1].lower() in VARIANT_SEGMENTS:
        segments = segments[:-1]
    if segments:
        segments[-1] = re.sub(r"\.amp(\.html?)?$", lambda m: m.group(1) or "", segments[-1])
    return "/" + "/".join(segments)


def _is_noise_param(name: str) -> bool:
    """Tell whether a query parameter only tracks readers or asks for the AMP rendering."""
    name = name.lower()
    return name in TRACKING_PARAMS or name in AMP_PARAMS or name.startswith(TRACKING_PREFIXES)


# ---------------------------------------------------------------------------------------------------
# Near-duplicate articles
# ---------------------------------------------------------------------------------------------------

# Word 5-grams: long enough that unrelated articles share almost none, short enough that a light
# rewrite (a changed word) spoils only a few. Chosen with the test pairs in bench/bench_dedupe.py.
SHINGLE_WORDS = 5
NUM_PERM = 128
MINHASH_SEED = 1
# LSH banding: 42 bands of 3 values (126 of the 128) put the candidate threshold near Jaccard 0.29:
# a copy cut to half of its original (Jaccard 0.5) is a candidate with probability 0.996, one cut to
# 40% with 0.94. Candidates are then checked on the whole signature, so a low threshold costs little.
LSH_BANDS = 42
LSH_ROWS = 3
# A text is a copy when at least this share of its shingles is in an earlier article: it says almost
# nothing new. On the test pairs (bench/bench_dedupe.py) syndicated copies keep 0.95-1.0, copies cut
# short 1.0, light rewrites (2-3% of words changed, a paragraph added) 0.82-0.95; a story that adds more
# than a fifth of new text around reused paragraphs is not a copy and gets analysed.
MIN_CONTAINMENT = 0.8
# Texts shorter than this many shingles (about 35 words) are never linked: briefs share too much.
MIN_SHINGLES = 30
WORD_RE = re.compile(r"\w+")
# Odd 64-bit multipliers that mix word hashes into a shingle hash (one per position in the shingle).
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
     0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)


class Signature(NamedTuple):
    """A text's MinHash and the number of distinct shingles it was made from (for containment)."""

    minhash: LeanMinHash
    size: int


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Return the distinct 32-bit hashes of the text's word shingles (lower-cased `\\w+` words).

    Word hashes are CRC-32 (stable across processes, unlike `hash()`), mixed into shingle hashes with
    numpy so no Python loop runs per shingle.

    Args:
        text: the article body.
        size: words per shingle; shorter texts make one shingle of all their words.
    """
    words = WORD_RE.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    word_hashes = np.array(list(map(zlib.crc32, map(str.encode, words))), dtype=np.uint64)
    size = min(size, len(words))
    count = len(words) - size + 1
    mixed = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        mixed = (mixed ^ word_hashes[offset : offset + count]) * _MIX[offset]
    mixed ^= mixed >> np.uint64(32)
    return np.unique((mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def minhash_signature(text: str) -> Signature:
    """Return the MinHash signature (datasketch LeanMinHash, 128 permutations) of a text's shingles.

    Args:
        text: the article body.
    """
    from datasketch import LeanMinHash, MinHash

    hashes = shingle_hashes(text)
    sketch = MinHash(
        num_perm=NUM_PERM,
        seed=MINHASH_SEED,
        hashfunc=_identity,
        permutations=_permutations(NUM_PERM, MINHASH_SEED),
        scheme="affine32",
    )
    if len(hashes):
        # A list of ints: datasketch calls hashfunc once per item, which is slower on numpy scalars.
        sketch.update_batch(hashes.tolist())
    return Signature(LeanMinHash(sketch), len(hashes))


def signature_to_bytes(signature: Signature) -> bytes:
    """Serialise a signature for Article.minhash: shingle count (uint32 LE), then the LeanMinHash bytes.

    Args:
        signature: from minhash_signature.
    """
    buffer = bytearray(4 + signature.minhash.bytesize("<"))
    struct.pack_into("<I", buffer, 0, signature.size)
    signature.minhash.serialize(memoryview(buffer)[4:], "<")
    return bytes(buffer)


def signature_from_bytes(data: bytes) -> Signature:
    """Read a signature written by signature_to_bytes.

    Args:
        data: the Article.minhash bytes.
    """
    from datasketch import LeanMinHash

    (size,) = struct.unpack_from("<I", data, 0)
    return Signature(LeanMinHash.deserialize(memoryview(data)[4:], "<"), size)


class NearDuplicateIndex:
    """In-memory LSH over MinHash signatures that answers "which earlier article already says this?".

    Band keys live in plain dicts of ints (one per band) and signatures in one numpy matrix: about
    4 KB per article. datasketch's MinHashLSH keeps a set and a bytes key per band and article, which
    measured 1.2 GB and a per-article cost that grew by half from 10,000 to 100,000 articles.
    """

    def __init__(self, *, bands: int = LSH_BANDS, rows: int = LSH_ROWS,
                 min_containment: float = MIN_CONTAINMENT) -> None:
        """Create an empty index.

        Args:
            bands: LSH bands (more bands, lower candidate threshold, more memory).
            rows: hash values per band (more rows, higher candidate threshold); bands * rows <= NUM_PERM.
            min_containment: share of a text's shingles that must be in an earlier one to be its copy.
        """
        if bands * rows > NUM_PERM:
            raise ValueError(f"{bands} bands of {rows} need more than {NUM_PERM} hash values")
        self.bands, self.rows = bands, rows
        self.min_containment = min_containment
        self._tables: list[dict[int, int | list[int]]] = [{} for _ in range(bands)]
        self._ids: list[int] = []
        self._sizes: list[int] = []
        self._order: list = []
        self._matrix = np.empty((1024, NUM_PERM), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, article_id: int, signature: Signature, order_key=None) -> None:
        """Index an article; add canonical articles only.

        Args:
            article_id: the Article id.
            signature: its minhash_signature.
            order_key: when it was first seen, any comparable value given for all articles or for none
                (then the order of insertion counts).
        """
        row = len(self._ids)
        if row == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.empty_like(self._matrix)])
        self._matrix[row] = signature.minhash.hashvalues
        self._ids.append(article_id)
        self._sizes.append(signature.size)
        self._order.append(row if order_key is None else order_key)
        for table, key in zip(self._tables, self._band_keys(signature)):
            present = table.get(key)
            if present is None:
                table[key] = row
            elif isinstance(present, list):
                present.append(row)
            else:
                table[key] = [present, row]

    def matches(self, signature: Signature) -> list[tuple[int, float]]:
        """Return (article_id, containment, order_key) of indexed articles that contain this text, earliest first.

        Args:
            signature: the signature of the text to look up.
        """
        if signature.size < MIN_SHINGLES or not self._ids:
            return []
        rows: set[int] = set()
        for table, key in zip(self._tables, self._band_keys(signature)):
            present = table.get(key)
            if present is None:
                continue
            if isinstance(present, list):
                rows.update(present)
            else:
                rows.add(present)
        if not rows:
            return []
        ordered = sorted(rows, key=self._order.__getitem__)
        jaccard = (self._matrix[ordered] == signature.minhash.hashvalues).mean(axis=1)
        found = []
        for row, similarity in zip(ordered, jaccard.tolist()):
            # |A & B| = J * (|A| + |B|) / (1 + J): how much of the new text the indexed one holds.
            shared = similarity * (signature.size + self._sizes[row]) / (1 + similarity)
            containment = min(1.0, shared / signature.size)
            if containment >= self.min_containment:
                found.append((self._ids[row], containment, self._order[row]))
        return found

    def find(self, signature: Signature, before=None) -> int | None:
        """Return the earliest indexed article this text is a copy of, or None.

        Args:
            signature: the signature of the text to look up.
            before: only consider articles whose order key is smaller (seen before the text's article).
        """
        for article_id, _containment, order_key in self.matches(signature):
            if before is None or order_key < before:
                return article_id
        return None

    def _band_keys(self, signature: Signature) -> list[int]:
        """Fold each band's hash values into one 64-bit int key."""
        banded = signature.minhash.hashvalues[: self.bands * self.rows]
        values = banded.astype(np.uint64).reshape(self.bands, self.rows)
        keys = np.zeros(self.bands, dtype=np.uint64)
        for column in range(self.rows):
            keys = (keys ^ values[:, column]) * _MIX[column % len(_MIX)]
        return (keys ^ (keys >> np.uint64(29))).tolist()


def check_text(index: NearDuplicateIndex, article_id: int, text: str, order_key=None) -> tuple[Signature, int | None]:
    """The dedupe path for one text: sign it, look it up, index it when it is not a copy.

    Args:
        index: the index of canonical articles seen so far.
        article_id: the id the text is indexed under when it is canonical.
        text: the article body.
        order_key: when the article was first seen (see NearDuplicateIndex.add); only earlier articles
            can be its original.

    Returns:
        The text's signature and the id of the article it copies (None when it is canonical).
    """
    signature = minhash_signature(text)
    original = index.find(signature, before=order_key)
    if original is None and signature.size >= MIN_SHINGLES:
        index.add(article_id, signature, order_key)
    return signature, original


def added_lines(copy_text: str, original_text: str) -> list[str]:
    """Return the lines (paragraphs) of a copy that its original lacks, in the copy's order.

    A syndicated copy often appends its own paragraphs (local reaction, a new figure); those
    may hold a claim the original does not. Lines compare with case and whitespace ignored.

    Args:
        copy_text: the copy's text, one paragraph a line.
        original_text: the original's text, one paragraph a line.
    """
    def key(line: str) -> str:
        return " ".join(line.split()).casefold()

    known = {key(line) for line in original_text.splitlines()}
    return [line for line in copy_text.splitlines() if key(line) and key(line) not in known]


def load_near_duplicate_index(session: Session, exclude: Iterable[int] = ()) -> NearDuplicateIndex:
    """Rebuild the index from stored signatures of canonical articles, keyed by first-seen order.

    Args:
        session: the caller's session.
        exclude: article ids to leave out (those about to be re-checked).
    """
    excluded = set(exclude)
    index = NearDuplicateIndex()
    rows = session.execute(
        select(Article.id, Article.first_seen_at, Article.minhash)
        .where(Article.minhash.is_not(None), Article.duplicate_of_id.is_(None))
        .order_by(Article.first_seen_at, Article.id)
    )
    for article_id, first_seen, data in rows:
        if article_id in excluded:
            continue
        signature = signature_from_bytes(data)
        if signature.size >= MIN_SHINGLES:
            index.add(article_id, signature, _order_key(first_seen, article_id))
    return index


def mark_near_duplicates(session: Session, article_ids: list[int]) -> dict:
    """Sign articles and link each copy to the first-seen article that already says it all.

    Articles are taken in first-seen order (first_seen_at, then id) and can only copy an earlier one,
    so the outcome does not depend on the order of `article_ids`, and a second run changes nothing.
    Claim clusters that cite a canonical article are recounted, so copies are credited as sources.

    Args:
        session: the caller's session (the caller commits).
        article_ids: the articles to (re)check, e.g. those whose Article.minhash is still empty.

    Returns:
        Counts: articles, duplicates, canonical, changed (duplicate_of_id moved).
    """
    index = load_near_duplicate_index(session, exclude=article_ids)
    keys = sorted(
        _order_key(first_seen, article_id)
        for chunk in _chunks(list(article_ids))
        for article_id, first_seen in session.execute(
            select(Article.id, Article.first_seen_at).where(Article.id.in_(chunk))
        )
    )
    counts = {"articles": len(keys), "duplicates": 0, "canonical": 0, "changed": 0}
    touched: set[int] = set()
    for chunk in _chunks(keys):
        articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_([k[1] for k in chunk])))}
        for own_key in chunk:
            article = articles[own_key[1]]
            signature, original = check_text(index, article.id, article.body or "", own_key)
            article.minhash = signature_to_bytes(signature)
            if article.duplicate_of_id != original:
                touched.update(i for i in (article.duplicate_of_id, original) if i is not None)
                article.duplicate_of_id = original
                counts["changed"] += 1
            counts["duplicates" if original is not None else "canonical"] += 1
        session.flush()
    for chunk in _chunks(sorted(touched)):
        for cluster in _clusters_citing(session, set(chunk)):
            cluster.source_count = count_sources(session, cluster.id)
    return counts


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    """Split a list so SQL IN clauses stay well under database parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _identity(value):
    """Pass precomputed shingle hashes through datasketch unchanged."""
    return value


@functools.cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's own permutations for (num_perm, seed), made once rather than per article."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations


def _order_key(first_seen: datetime | None, article_id: int) -> tuple:
    return (_aware(first_seen) or datetime.max.replace(tzinfo=timezone.utc), article_id)


# ---------------------------------------------------------------------------------------------------
# Claim clusters
# ---------------------------------------------------------------------------------------------------

# A report more than this long after a cluster's last one (or before its first) starts a new cluster.
MAX_GAP = timedelta(days=365)
# Quantities within this relative distance are the same figure ("about 1.1 million" vs "over 1 million").
QUANTITY_TOLERANCE = 0.10
# Categories a detector may give one transfer under either name (Patriot interceptors: missiles or air
# defence). "unspecified" (weapons, military aid in general) joins any cluster of the same two parties.
COMPATIBLE_CATEGORIES = ({"missiles", "air_defense"},)
COUNT_UNITS = frozenset({"items", "rounds", "shells", "units", "pieces", "munitions", "systems", "vehicles"})
PERSONNEL_UNITS = frozenset({"troops", "soldiers", "personnel", "workers"})
MONEY_UNITS = frozenset({"usd", "eur", "gbp", "rub", "uah", "jpy", "krw", "cny", "cad", "aud", "chf", "pln"})
CURRENCY_SIGNS = {"usd": "$", "eur": "€", "gbp": "£"}
STATUS_RANK = {"unclear": 0, "committed": 1, "delivered": 2}
# Claimant kinds. A kind a cluster has not had yet is news (an official confirmation after anonymous
# reports, a denial), except a media report or an unclassified name, which only corroborate.
CLAIMANT_KINDS = ("media", "other", "research", "intelligence", "official", "party", "denial")
ALERTING_KINDS = frozenset({"research", "intelligence", "official", "party", "denial"})
_ANONYMOUS = re.compile(
    r"\b(?:unnamed|anonymous|anonymity|sources?|people familiar|person familiar|insiders?|a source)\b", re.I
)
_INTELLIGENCE = re.compile(
    r"\b(?:(?i:intelligence|spy|spies|security service|Mossad)|NIS|HUR|GUR|GRU|CIA|DIA|ODNI|MI6|SVR|FSB|SBU|"
    r"BND|DGSE)\b",
)
_RESEARCH = re.compile(
    r"\b(?:think[- ]tank|institute|researchers?|analysts?|experts?|study|monitor|monitoring group|"
    r"Conflict Armament Research|Open Source Centre|open[- ]source|satellite (?:images|imagery)|ISW|RUSI|CSIS|"
    r"SIPRI|Bellingcat|Oryx|NGO)\b",
    re.I,
)
_OFFICIAL = re.compile(
    r"\b(?:minist(?:ers?|ry|ries)|Pentagon|White House|State Department|Department|government|presidents?|"
    r"prime ministers?|premier|chancellor|spokes(?:man|woman|men|women|person|people)|officials?|"
    r"secretar(?:y|ies)|generals?|admirals?|commanders?|military|army|armed forces|navy|air force|"
    r"joint chiefs|chiefs? of staff|embassy|ambassadors?|diplomats?|Kremlin|lawmakers?|parliament(?:ary)?|"
    r"senators?|congress(?:man|woman|men|women)?|administration|foreign office|NATO|European Union|"
    r"European Commission|EU|G7|United Nations|UN|council|authorities|mayors?|governors?|envoys?|cabinet|"
    r"presidential|Downing Street|Elysee|Élysée)\b",
    re.I,
)
_STATE_MEDIA = re.compile(r"\bstate(?:-run)? (?:media|news agency|television|TV|broadcaster)\b|\b(?:KCNA|IRNA)\b", re.I)
_OUTLET_WORDS = r"(?:Times|Post|Independent|Herald|Tribune|Daily|News|Journal|Today|Telegraph)\b"
_MEDIA = re.compile(
    r"\b(?:media|reports?|reported|newspaper|outlet|news agency|agency|broadcaster|journalists?|"
    r"correspondents?|Reuters|AP|AFP|Yonhap|TASS|RIA|Interfax|Bloomberg|CNN|BBC|Kyodo|NHK|"
    r"Wall Street Journal|New York Times|Washington Post|Financial Times|Guardian|KCNA)\b|\b" + _OUTLET_WORDS,
    re.I,
)


@dataclass
class ClaimDecision:
    """What recording one claim meant: kind is NEW, UPDATE or None (a re-report, or a claim seen before)."""

    kind: str | None
    cluster: ClaimCluster
    claim_row: Claim
    change: str | None
    is_new_row: bool


def record_claim(session: Session, *, article: Article, claim, run_id: int | None = None,
                 quiet: bool = False) -> ClaimDecision:
    """Store a detected claim, put it in its cluster and say whether it deserves an alert.

    NEW when no cluster describes the transfer yet; UPDATE when the claim moves the figure outside
    every figure the cluster has seen, brings a new kind of claimant (see classify_claimant), a denial,
    or a delivery after a commitment; None for a re-report, for a claim already recorded (same
    claim_key), and for a change that is no news: reported by an article older than the cluster's last
    alert (a backfill), or by an article that already gave this cluster an alert (one story, one
    alert: a headline and its body sentence are one report). Such changes still go in the history.

    Args:
        session: the caller's session (the caller commits; alerts go in the same transaction).
        article: the stored article the claim was found in.
        claim: an object with the detector's fields (supplier, recipient, category, item, quantity,
            status, stance, claimant, sentence, start, end, cues).
        run_id: the CrawlRun that found it.
        quiet: record the claim and its place in the cluster's history, but decide no alert (stale
            news found by a history walk).
    """
    key = claim_key(article, claim)
    row = session.scalar(select(Claim).where(Claim.claim_key == key))
    if row is not None and row.cluster is not None:
        return ClaimDecision(None, row.cluster, row, None, False)
    is_new_row = row is None
    if row is None:
        row = _new_claim_row(key, article, claim, run_id)
        session.add(row)
        session.flush()
    when = _claim_time(article)
    kind = classify_claimant(row.claimant, row.stance, supplier=row.supplier, recipient=row.recipient)
    cluster = find_cluster(session, row, when)
    if cluster is None:
        cluster = _new_cluster(row, when, kind)
        session.add(cluster)
        session.flush()
        row.cluster = cluster
        _append_history(cluster, row, article, when, kind, alert=None if quiet else "NEW", change=None)
        cluster.source_count = count_sources(session, cluster.id)
        return ClaimDecision(None if quiet else "NEW", cluster, row, None, is_new_row)
    changes = describe_changes(cluster, row, kind)
    old_news = _is_old_news(cluster, when)
    alert = "UPDATE" if changes and not quiet and not old_news and not _article_alerted(cluster, article.id) else None
    if alert and cluster.review_state == "dismissed" and not _material_change(cluster, row):
        # An analyst dismissed this transfer: only a new figure or a delivery is worth telling again.
        alert = None
    if alert and cluster.review_state == "dismissed":
        changes = [*changes, f"was dismissed by {cluster.reviewed_by}: {cluster.review_reason or 'no reason'}"]
    change = "; ".join(changes) or None
    if changes:
        if _has_quantity(row) and row.stance != "denied" and not old_news and _quantity_change(cluster, row):
            cluster.quantity_min, cluster.quantity_max = row.quantity_min, row.quantity_max
            cluster.quantity_unit = row.quantity_unit
        _append_history(cluster, row, article, when, kind, alert=alert, change=change)
    row.cluster = cluster
    _merge_into_cluster(cluster, row, when, kind)
    session.flush()
    cluster.source_count = count_sources(session, cluster.id)
    return ClaimDecision(alert, cluster, row, change if alert else None, is_new_row)


def claim_key(article: Article, claim) -> str:
    """Return the claim's natural key: article identity, sentence offsets, supplier, recipient, category.

    Args:
        article: the article the claim was found in.
        claim: the detected claim.
    """
    parts = [article.identity, claim.start, claim.end, claim.supplier, claim.recipient, claim.category]
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def classify_claimant(claimant: str | None, stance: str | None = None, *, supplier: str | None = None,
                      recipient: str | None = None) -> str:
    """Return the kind of source behind a claim: denial, media, party, intelligence, research, official, other.

    Checked in this order: a denied stance is a "denial"; unnamed sources (or no claimant: the outlet
    itself) are "media"; a claimant naming the supplier or recipient (Pyongyang, the Kremlin, Russian
    officials for a transfer to Russia) is the "party" itself; then intelligence agencies, researchers
    and think tanks, officials and governments (also a state named alone: "Washington", "the United
    States"), news media; any other name (a person without a title) is "other".

    Args:
        claimant: who makes the claim, as written, or None when the outlet states it.
        stance: the claim's stance (affirmed, hedged, denied).
        supplier: the claim's supplier code (to recognise the party itself).
        recipient: the claim's recipient code.
    """
    if stance == "denied":
        return "denial"
    if not claimant or _ANONYMOUS.search(claimant):
        return "media"
    if _names_party(claimant, (supplier, recipient)):
        return "party"
    for kind, pattern in (("intelligence", _INTELLIGENCE), ("research", _RESEARCH), ("official", _OFFICIAL)):
        if pattern.search(claimant):
            return kind
    if _names_state(claimant):
        return "official"
    return "media" if _MEDIA.search(claimant) else "other"


def find_cluster(session: Session, claim: Claim, when: datetime) -> ClaimCluster | None:
    """Return the cluster a stored claim belongs to, or None when it describes a transfer not seen yet.

    Same supplier and recipient (both as stated, None only matching None), a compatible category,
    a report within MAX_GAP of the cluster's period, and no clash of exact money amounts (two aid
    packages of different sizes are two transfers). Among several, the same category wins, then the
    most recently reported.

    Args:
        session: the caller's session.
        claim: the stored claim row (not yet in a cluster).
        when: the claim's time (its article's publication, else first-seen time).
    """
    query = select(ClaimCluster).where(
        _equals_or_null(ClaimCluster.supplier, claim.supplier),
        _equals_or_null(ClaimCluster.recipient, claim.recipient),
        # A cluster an analyst merged away lives on in the one it was merged into.
        ClaimCluster.merged_into_id.is_(None),
    )
    candidates = []
    for cluster in session.scalars(query):
        if not _categories_compatible(claim, cluster):
            continue
        first, last = _aware(cluster.first_seen_at), _aware(cluster.last_seen_at)
        if when > last + MAX_GAP or when < first - MAX_GAP:
            continue
        if not _quantities_compatible(claim, cluster):
            continue
        candidates.append(cluster)
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.category == claim.category, _aware(c.last_seen_at), -c.id))


def describe_changes(cluster: ClaimCluster, claim: Claim, kind: str) -> list[str]:
    """Return what a claim adds to its cluster, in words; an empty list for a re-report.

    Args:
        cluster: the claim's cluster, before the claim is merged.
        claim: the stored claim.
        kind: the claim's claimant kind (classify_claimant).
    """
    changes = []
    if _has_quantity(claim) and claim.stance != "denied":
        change = _quantity_change(cluster, claim)
        if change:
            changes.append(change)
    if kind in ALERTING_KINDS and kind not in (cluster.claimant_kinds or []):
        who = claim.claimant or "a party"
        changes.append(f"denied by {who}" if kind == "denial" else f"new claimant: {kind} ({who})")
    if claim.stance != "denied" and claim.status == "delivered" and cluster.status == "committed":
        changes.append("status: delivered, was committed")
    return changes


def _material_change(cluster: ClaimCluster, claim: Claim) -> bool:
    """A new figure, or a delivery after a commitment: what reopens a dismissed cluster."""
    if claim.stance == "denied":
        return False
    if _has_quantity(claim) and _quantity_change(cluster, claim):
        return True
    return claim.status == "delivered" and cluster.status == "committed"


def count_sources(session: Session, cluster_id: int) -> int:
    """Count the distinct articles corroborating a cluster, syndicated copies included.

    The articles with a claim in the cluster that is not a denial, plus their near-duplicate copies
    (credited; only the lines a copy adds are analysed). Distinct articles, not outlets: the same
    outlet repeating a claim in a later story is one more report; list_clusters also gives
    outlet_count.

    Args:
        session: the caller's session.
        cluster_id: the ClaimCluster id.
    """
    analysed = select(Claim.article_id).where(Claim.cluster_id == cluster_id, Claim.stance != "denied")
    copies = select(Article.id).where(Article.duplicate_of_id.in_(analysed))
    return session.scalar(select(func.count()).select_from(union(analysed, copies).subquery()))


def format_quantity(quantity: dict | None, *, unit: bool = True) -> str:
    """Write a quantity as news does: "more than 1 million rounds", "up to $2.5 billion", "13,000".

    Args:
        quantity: {"min", "max", "unit"} (either bound may be None), or None.
        unit: False to leave the unit out (when the sentence names it once for two figures).
    """
    if not quantity or (quantity.get("min") is None and quantity.get("max") is None):
        return "no figure"
    name = quantity.get("unit") or "items"
    sign = CURRENCY_SIGNS.get(name, "")

    def number(value: float) -> str:
        return sign + _format_number(value)

    low, high = quantity.get("min"), quantity.get("max")
    if low is not None and high is not None:
        text = number(low) if _close(low, high, 0.0) else f"{number(low)} to {number(high)}"
    elif low is not None:
        text = f"more than {number(low)}"
    else:
        text = f"up to {number(high)}"
    if unit and not sign and name != "items":
        text += f" {name}"
    return text


def list_clusters(session: Session) -> list[dict]:
    """Return every claim cluster, most recently reported first, with its counts and latest report.

    Args:
        session: the caller's session.
    """
    reports = _reports_by_cluster(session)
    clusters = session.scalars(select(ClaimCluster)).all()
    listed = [_cluster_summary(cluster, reports.get(cluster.id, [])) for cluster in clusters]
    return sorted(listed, key=lambda c: (c["last_seen"], c["id"]), reverse=True)


def cluster_timeline(session: Session, cluster_id: int) -> dict | None:
    """Return one cluster and its timeline: every source in time order, its quantity history, its alerts.

    Sources are the articles with a claim in the cluster and their credited near-duplicate copies
    (marked with `copy_of`). None when there is no such cluster.

    Args:
        session: the caller's session.
        cluster_id: the ClaimCluster id.
    """
    cluster = session.get(ClaimCluster, cluster_id)
    if cluster is None:
        return None
    reports = _reports_by_cluster(session, cluster_id).get(cluster_id, [])
    alerts = session.scalars(select(Alert).where(Alert.cluster_id == cluster_id).order_by(Alert.created_at, Alert.id))
    return {
        **_cluster_summary(cluster, reports),
        "sources": reports,
        "history": list(cluster.history or []),
        "alerts": [
            {"id": a.id, "kind": a.kind, "created_at": a.created_at, "summary": a.summary, "change": a.change}
            for a in alerts
        ],
    }


def _new_claim_row(key: str, article: Article, claim, run_id: int | None) -> Claim:
    quantity = _read_quantity(getattr(claim, "quantity", None))
    return Claim(
        claim_key=key,
        article_id=article.id,
        supplier=claim.supplier,
        recipient=claim.recipient,
        category=claim.category or "unspecified",
        item=getattr(claim, "item", None),
        quantity_min=quantity["min"],
        quantity_max=quantity["max"],
        quantity_unit=quantity["unit"],
        status=getattr(claim, "status", None) or "unclear",
        stance=getattr(claim, "stance", None) or "affirmed",
        claimant=getattr(claim, "claimant", None),
        sentence=getattr(claim, "sentence", "") or "",
        start=claim.start,
        end=claim.end,
        cues=list(getattr(claim, "cues", None) or []),
        run_id=run_id,
    )


def _new_cluster(claim: Claim, when: datetime, kind: str) -> ClaimCluster:
    denied = claim.stance == "denied"
    return ClaimCluster(
        supplier=claim.supplier,
        recipient=claim.recipient,
        category=claim.category,
        quantity_min=None if denied else claim.quantity_min,
        quantity_max=None if denied else claim.quantity_max,
        quantity_unit=None if denied else claim.quantity_unit,
        status="unclear" if denied else claim.status,
        stance=claim.stance,
        claimant_kinds=[kind],
        history=[],
        source_count=0,
        first_seen_at=when,
        last_seen_at=when,
    )


def _merge_into_cluster(cluster: ClaimCluster, claim: Claim, when: datetime, kind: str) -> None:
    """Fold a claim's period, claimant kind, status and stance into its cluster."""
    cluster.first_seen_at = min(_aware(cluster.first_seen_at), when)
    cluster.last_seen_at = max(_aware(cluster.last_seen_at), when)
    if kind not in (cluster.claimant_kinds or []):
        cluster.claimant_kinds = [*(cluster.claimant_kinds or []), kind]
    if claim.stance != "denied" and STATUS_RANK.get(claim.status, 0) > STATUS_RANK.get(cluster.status, 0):
        cluster.status = claim.status
    cluster.stance = _merge_stance(cluster.stance, claim.stance)


def _merge_stance(current: str, new: str) -> str:
    """affirmed beats hedged; a denial beside either makes the cluster "disputed"."""
    stances = {current, new}
    if "disputed" in stances or ("denied" in stances and stances - {"denied"}):
        return "disputed"
    if "affirmed" in stances:
        return "affirmed"
    return "hedged" if "hedged" in stances else "denied"


def _append_history(cluster: ClaimCluster, claim: Claim, article: Article, when: datetime, kind: str, *,
                    alert: str | None, change: str | None) -> None:
    """Record a change (or the first report) in the cluster's history; the JSON list is replaced, not mutated."""
    entry = {
        "at": when.isoformat(),
        "alert": alert,
        "claim_id": claim.id,
        "article_id": article.id,
        "quantity": _quantity_of(claim) if claim.stance != "denied" else None,
        "claimant": claim.claimant,
        "claimant_kind": kind,
        "status": claim.status,
        "stance": claim.stance,
        "change": change,
    }
    cluster.history = [*(cluster.history or []), entry]


def _quantity_change(cluster: ClaimCluster, claim: Claim) -> str | None:
    """Describe a figure outside every figure the cluster has recorded in the same kind of unit."""
    family = _unit_family(claim.quantity_unit)
    seen = [
        value
        for entry in cluster.history or []
        if entry.get("quantity") and _unit_family(entry["quantity"].get("unit")) == family
        for value in (entry["quantity"].get("min"), entry["quantity"].get("max"))
        if value is not None
    ]
    current = _cluster_quantity(cluster)
    new = _quantity_of(claim)
    if seen:
        low, high = min(seen), max(seen)
        values = [v for v in (claim.quantity_min, claim.quantity_max) if v is not None]
        if all(low * (1 - QUANTITY_TOLERANCE) <= v <= high * (1 + QUANTITY_TOLERANCE) for v in values):
            return None
    if current and _unit_family(current.get("unit")) == family:
        unit = "" if (claim.quantity_unit or "items") == "items" or claim.quantity_unit in CURRENCY_SIGNS else (
            f" {claim.quantity_unit}")
        return f"{format_quantity(new, unit=False)}, was {format_quantity(current, unit=False)}{unit}"
    return f"{format_quantity(new)}, was {format_quantity(current)}"


def _quantities_compatible(claim: Claim, cluster: ClaimCluster) -> bool:
    """Two exact money amounts that differ are two packages; every other pair of figures may be one transfer."""
    unit = claim.quantity_unit
    if unit not in MONEY_UNITS or unit != cluster.quantity_unit:
        return True
    pairs = ((claim.quantity_min, claim.quantity_max), (cluster.quantity_min, cluster.quantity_max))
    if any(low is None or high is None or not _close(low, high, 0.0) for low, high in pairs):
        return True
    return _close(claim.quantity_min, cluster.quantity_min, QUANTITY_TOLERANCE)


def _categories_compatible(claim: Claim, cluster: ClaimCluster) -> bool:
    """Same or compatible category; a general claim ("weapons") joins a specific cluster unless it brings
    a figure of another kind (a "$2.5 billion package" is not a count of HIMARS)."""
    if claim.category == cluster.category:
        return True
    if claim.category == "unspecified":
        if not _has_quantity(claim):
            return True
        return cluster.quantity_unit is not None and (
            _unit_family(claim.quantity_unit) == _unit_family(cluster.quantity_unit)
        )
    return any({claim.category, cluster.category} <= group for group in COMPATIBLE_CATEGORIES)


def _is_old_news(cluster: ClaimCluster, when: datetime) -> bool:
    """A change reported by an article older than the cluster's last alert is history, not news."""
    alerted = [datetime.fromisoformat(entry["at"]) for entry in cluster.history or [] if entry.get("alert")]
    return bool(alerted) and when < max(alerted)


def _names_state(claimant: str) -> bool:
    """Tell whether the claimant names any state of the lexicon by name, capital or leader."""
    pattern = _party_patterns().get("*")
    return bool(pattern and pattern[0] and pattern[0].search(claimant))


def _article_alerted(cluster: ClaimCluster, article_id: int) -> bool:
    """Tell whether this article already gave the cluster an alert (NEW or UPDATE)."""
    return any(entry.get("alert") and entry.get("article_id") == article_id for entry in cluster.history or [])


def _names_party(claimant: str, parties: tuple[str | None, ...]) -> bool:
    """Tell whether the claimant speaks for the supplier or recipient.

    A name (state, capital, seat of power, leader) is enough, unless it is part of an outlet's name
    ("The Moscow Times"); a demonym needs an official body beside it ("Russian officials", "North Korean
    state media"), since "Iranian media" are not Tehran.
    """
    patterns = _party_patterns()
    for code in parties:
        names, demonyms = patterns.get(code or "", (None, None))
        if names and names.search(claimant):
            return True
        if demonyms and demonyms.search(claimant) and (
            _OFFICIAL.search(claimant) or _INTELLIGENCE.search(claimant) or _STATE_MEDIA.search(claimant)
        ):
            return True
    return False


@functools.cache
def _party_patterns() -> dict[str, tuple[re.Pattern | None, re.Pattern | None]]:
    """Per party code, regexes of its names and of its demonyms, from the claims lexicon
    (pipeline/lexicons/parties.json, read once); "*" holds the names of every party."""
    path = Path(__file__).parent.parent / "lexicons" / "parties.json"
    try:
        parties = json.loads(path.read_text(encoding="utf-8")).get("parties", {})
    except (OSError, ValueError):
        return {}

    def alternation(words: list[str], outlet_guard: bool) -> re.Pattern | None:
        if not words:
            return None
        guard = rf"(?!\s+{_OUTLET_WORDS})" if outlet_guard else ""
        longest_first = sorted(set(words), key=len, reverse=True)
        return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, longest_first))})(?!\w){guard}")

    entries = {code: entry for code, entry in parties.items() if isinstance(entry, dict)}
    patterns = {
        code: (alternation(entry.get("names", []), True), alternation(entry.get("demonyms", []), False))
        for code, entry in entries.items()
    }
    every_name = [name for entry in entries.values() for name in entry.get("names", [])]
    patterns["*"] = (alternation(every_name, True), None)
    return patterns


def _reports_by_cluster(session: Session, cluster_id: int | None = None) -> dict[int, list[dict]]:
    """Every source of every cluster (or one): claims with their article and outlet, plus credited copies."""
    unread = (defer(Article.body), defer(Article.minhash))  # bodies are not shown; skip loading them
    query = (
        select(Claim, Article, Source)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
        .where(Claim.cluster_id.is_not(None))
        .options(*unread)
    )
    if cluster_id is not None:
        query = query.where(Claim.cluster_id == cluster_id)
    rows = session.execute(query).all()
    copies: dict[int, list[tuple[Article, Source]]] = {}
    for chunk in _chunks(sorted({article.id for _claim, article, _source in rows})):
        copy_rows = session.execute(
            select(Article, Source)
            .join(Source, Article.source_id == Source.id)
            .where(Article.duplicate_of_id.in_(chunk))
            .options(*unread)
        )
        for copy, source in copy_rows:
            copies.setdefault(copy.duplicate_of_id, []).append((copy, source))
    reports: dict[int, list[dict]] = {}
    for claim, article, source in rows:
        kind = classify_claimant(claim.claimant, claim.stance, supplier=claim.supplier, recipient=claim.recipient)
        base = {
            "claim_id": claim.id,
            "claimant": claim.claimant,
            "claimant_kind": kind,
            "sentence": claim.sentence,
            "quantity": _quantity_of(claim),
            "status": claim.status,
            "stance": claim.stance,
        }
        found = reports.setdefault(claim.cluster_id, [])
        found.append({**base, **_article_fields(article, source), "copy_of": None})
        for copy, copy_source in copies.get(article.id, []):
            found.append({**base, **_article_fields(copy, copy_source), "copy_of": article.id})
    for found in reports.values():
        found.sort(key=lambda r: (r["at"], r["article_id"], r["claim_id"]))
    return reports


def _article_fields(article: Article, source: Source) -> dict:
    return {
        "at": _claim_time(article),
        "article_id": article.id,
        "outlet": source.name,
        "source": source.key,
        "url": article.canonical_url or article.url,
        "title": article.title,
    }


def _cluster_summary(cluster: ClaimCluster, reports: list[dict]) -> dict:
    # The latest article's best sentence reporting the transfer (denials show in the stance), from the
    # body rather than the headline that announces it.
    latest = max(reports, key=lambda r: (r["stance"] != "denied", r["at"], r["article_id"], not _is_headline(r),
                                         -r["claim_id"]), default={})
    corroborating = [r for r in reports if r["stance"] != "denied"]
    return {
        "id": cluster.id,
        "supplier": cluster.supplier,
        "recipient": cluster.recipient,
        "category": cluster.category,
        "quantity": _cluster_quantity(cluster),
        "quantity_text": format_quantity(_cluster_quantity(cluster)),
        "status": cluster.status,
        "stance": cluster.stance,
        "claimant_kinds": list(cluster.claimant_kinds or []),
        "source_count": cluster.source_count,
        "outlet_count": len({r["source"] for r in corroborating}),
        "denial_count": len({r["article_id"] for r in reports if r["stance"] == "denied"}),
        "first_seen": _aware(cluster.first_seen_at),
        "last_seen": _aware(cluster.last_seen_at),
        "latest_sentence": latest.get("sentence"),
        "latest_outlet": latest.get("outlet"),
        "latest_url": latest.get("url"),
        "review_state": cluster.review_state,
        "review_reason": cluster.review_reason,
        "reviewed_by": cluster.reviewed_by,
        "reviewed_at": cluster.reviewed_at,
        "merged_into_id": cluster.merged_into_id,
    }


def _is_headline(report: dict) -> bool:
    """Tell whether a report's sentence is its article's title (or a part of it)."""
    title, sentence = (report.get("title") or "").strip(), (report.get("sentence") or "").strip()
    return bool(title and sentence) and (sentence in title or title in sentence)


def _clusters_citing(session: Session, article_ids: set[int]) -> list[ClaimCluster]:
    """Clusters holding a claim from any of these articles."""
    if not article_ids:
        return []
    return list(
        session.scalars(
            select(ClaimCluster).where(
                ClaimCluster.id.in_(select(Claim.cluster_id).where(Claim.article_id.in_(article_ids)))
            )
        )
    )


def _read_quantity(quantity) -> dict:
    """Accept the detector's quantity as a dict or an object with min/max/unit; None means no figure."""
    if quantity is None:
        return {"min": None, "max": None, "unit": None}
    read = quantity.get if isinstance(quantity, dict) else lambda name: getattr(quantity, name, None)
    low, high = read("min"), read("max")
    return {
        "min": float(low) if low is not None else None,
        "max": float(high) if high is not None else None,
        "unit": read("unit") if (low is not None or high is not None) else None,
    }


def _quantity_of(claim) -> dict | None:
    if claim.quantity_min is None and claim.quantity_max is None:
        return None
    return {"min": claim.quantity_min, "max": claim.quantity_max, "unit": claim.quantity_unit}


_cluster_quantity = _quantity_of


def _has_quantity(claim: Claim) -> bool:
    return claim.quantity_min is not None or claim.quantity_max is not None


def _unit_family(unit: str | None) -> str:
    unit = (unit or "items").lower()
    if unit in COUNT_UNITS:
        return "count"
    return "troops" if unit in PERSONNEL_UNITS else unit


def _format_number(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{round(value / scale, 2):g} {word}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:g}"


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def _equals_or_null(column, value):
    return column.is_(None) if value is None else column == value


def _claim_time(article: Article) -> datetime:
    """A claim is dated by its article's publication, else by when the article was first seen."""
    when = _aware(article.published) or _aware(article.first_seen_at) or datetime.now(timezone.utc)
    return when.astimezone(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    """Read naive datetimes as UTC (SQLite and freshly built rows may lack an offset)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
