"""MinHash signatures of article texts (datasketch over word shingles) and their stored form."""

from __future__ import annotations

import functools
import re
import struct
import zlib
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # datasketch imports scipy (~1 s): every crawl subprocess would pay it for url_identity
    from datasketch import LeanMinHash


# Word 5-grams: long enough that unrelated articles share almost none, short enough that a light
# rewrite (a changed word) spoils only a few. Chosen with the test pairs in bench/bench_dedupe.py.
SHINGLE_WORDS = 5
NUM_PERM = 128
MINHASH_SEED = 1
WORD_RE = re.compile(r"\w+")
# Odd 64-bit multipliers that mix word hashes into a shingle hash (one per position in the shingle);
# the LSH index folds band values into keys with them too.
MIX = np.array(
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
        mixed = (mixed ^ word_hashes[offset : offset + count]) * MIX[offset]
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


def _identity(value):
    """Pass precomputed shingle hashes through datasketch unchanged."""
    return value


@functools.cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's own permutations for (num_perm, seed), made once rather than per article."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
