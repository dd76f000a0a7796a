"""The data a detection produces: a claim (the spec's fields) and the mentions it is built from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Claim:
    """One transfer claim found in one sentence."""

    supplier: str | None
    recipient: str | None
    category: str
    item: str | None
    quantity: dict | None
    status: str
    stance: str
    claimant: str | None
    sentence: str
    start: int
    end: int
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the claim as a JSON-ready dict with exactly the spec's keys."""
        return asdict(self)


@dataclass
class Mention:
    """A party or item named in a sentence (character offsets into the sentence)."""

    start: int
    end: int
    text: str
    kind: str  # party, demonym, people, group, pronoun, item
    code: str | None = None  # parties: ISO code; items: category
    priority: int = 0  # items: 2 named system, 1 class of item, 0 generic
    origin: str | None = None  # items: a state named as its origin ("North Korean shells")
    weak: bool = False  # items that need military context ("equipment", "fuel")
    possessive: bool = False
