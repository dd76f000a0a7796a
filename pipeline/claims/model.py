"""The learned decisions as plain linear models in JSON: feature weights, an intercept, a threshold."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parents[2] / "models" / "claims" / "decisions.json"
# Labelled articles a pair needs before its direction counts for half the weight. Articles, not claims: one training
# article's five claims of Ukrainian rocket engines for North Korea outvoted the tree in the seed ("Pyongyang appearing
# to receive advice" went from Ukraine). CV claim F1 war/arms: 0.470/0.370 at 3, 0.471/0.365 at 5 (with the margin over
# the reverse direction that direction_evidence took then).
DIRECTION_PRIOR = 3
SENTENCE_FEATURE = "sentence_model"  # the claim model's feature: the sentence model's log-odds
SENTENCE_LOGIT_BOUND = 10.0


@dataclass
class LinearModel:
    """A logistic (binary) or softmax (several classes) model over sparse named features."""

    classes: list[str]
    weights: dict[str, list[float]]  # feature -> one weight per class (one weight for a binary model)
    intercept: list[float]
    threshold: float = 0.5

    def probability(self, features: dict[str, float]) -> float:
        """P(positive) of a binary model."""
        z = self.intercept[0] + sum(self.weights[k][0] * v for k, v in features.items() if k in self.weights)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def predict(self, features: dict[str, float]) -> str:
        """The most likely class (a two-class model keeps one weight per feature, for its second class)."""
        if len(self.classes) == 2 and len(self.intercept) == 1:
            return self.classes[1] if self.probability(features) >= 0.5 else self.classes[0]
        scores = list(self.intercept)
        for k, v in features.items():
            w = self.weights.get(k)
            if w is not None:
                for i, wi in enumerate(w):
                    scores[i] += wi * v
        return self.classes[max(range(len(scores)), key=scores.__getitem__)]

    def to_dict(self) -> dict:
        """JSON-ready form (weights rounded: six digits keep the decisions and the file small)."""
        return {"classes": self.classes, "intercept": [round(x, 6) for x in self.intercept], "threshold": self.threshold,
                "weights": {k: [round(x, 6) for x in w] for k, w in sorted(self.weights.items())}}

    @classmethod
    def from_dict(cls, data: dict) -> "LinearModel":
        """Rebuild a model written by to_dict()."""
        return cls(data["classes"], data["weights"], data["intercept"], data.get("threshold", 0.5))


@dataclass
class SentenceModel:
    """Logistic regression over a sentence's embedding: does this sentence hold a transfer claim at all."""

    coef: list[float]
    intercept: float

    def __post_init__(self) -> None:
        import numpy as np

        self._weights = np.asarray(self.coef, dtype=np.float32)

    def logit(self, vector) -> float:
        """Log-odds that the embedded sentence holds a claim (bounded: one feature must not outvote the tree)."""
        z = self.intercept + float(self._weights @ vector)
        return max(-SENTENCE_LOGIT_BOUND, min(SENTENCE_LOGIT_BOUND, z))

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"coef": [round(x, 6) for x in self.coef], "intercept": round(self.intercept, 6)}


@dataclass
class Decisions:
    """Every learned decision of the detector, with how it was trained and scored."""

    claim: LinearModel  # is this candidate (item + trigger) a claim
    supplier: LinearModel  # is this party the supplier of the candidate
    recipient: LinearModel  # is this party the recipient
    status: LinearModel  # delivered / committed
    stance: LinearModel  # affirmed / hedged / denied
    meta: dict = field(default_factory=dict)
    directions: dict[str, int] = field(default_factory=dict)  # "USA>UKR" -> labelled articles with that direction
    direction_weight: float = 0.0  # how much a pair's labelled direction counts against the tree's reading
    sentence: SentenceModel | None = None  # what the sentence is about, from its embedding (one claim feature)

    def claim_probability(self, features: dict[str, float], vector=None) -> float:
        """P(claim) of a candidate, from its features and its sentence's embedding (None: not embedded).

        Args:
            features: the candidate's features.
            vector: the sentence's embedding, or None.
        """
        if self.sentence is not None and vector is not None:
            features = {**features, SENTENCE_FEATURE: self.sentence.logit(vector)}
        return self.claim.probability(features)

    def direction_evidence(self, supplier: str | None, recipient: str | None) -> float:
        """Evidence that supplier gives to recipient, from the labelled articles (0 if the pair was never seen)."""
        if not self.direction_weight or supplier is None or recipient is None:
            return 0.0
        forward = self.directions.get(f"{supplier}>{recipient}", 0)
        backward = self.directions.get(f"{recipient}>{supplier}", 0)
        # Bounded in (-weight, weight): a direction seen in many articles counts no more than one seen in a dozen. A
        # direction the labels hold counts by its own articles, whatever the reverse ("Russia gave North Korea
        # satellite advice" is the rarer way, and still common); only a direction never seen is held against.
        if forward:
            return self.direction_weight * forward / (forward + DIRECTION_PRIOR)
        return -self.direction_weight * backward / (backward + DIRECTION_PRIOR)

    def thresholds(self) -> dict[str, float]:
        """The claim, supplier and recipient thresholds and the direction weight, as fit_decisions takes them."""
        chosen = {name: getattr(self, name).threshold for name in ("claim", "supplier", "recipient")}
        return {**chosen, "direction": self.direction_weight}

    def set_thresholds(self, chosen: dict[str, float]) -> None:
        """Take the claim, supplier and recipient thresholds and the direction weight (0 if absent) from a dict."""
        self.claim.threshold, self.supplier.threshold, self.recipient.threshold = (
            chosen[k] for k in ("claim", "supplier", "recipient"))
        self.direction_weight = chosen.get("direction", 0.0)

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write all models to one JSON file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {name: getattr(self, name).to_dict() for name in ("claim", "supplier", "recipient", "status", "stance")}
        data["meta"] = self.meta
        data["directions"] = {"weight": self.direction_weight, "counts": dict(sorted(self.directions.items()))}
        if self.sentence is not None:
            data["sentence"] = self.sentence.to_dict()
        path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_decisions(path: str | None = None) -> Decisions:
    """Load the committed decision models (cached per process).

    Args:
        path: a decisions.json file (default: models/claims/decisions.json in the repo).
    """
    file = Path(path) if path else MODEL_FILE
    if not file.is_file():
        raise FileNotFoundError(f"no claim decision models at {file}: train them with `make train-claims`")
    data = json.loads(file.read_text(encoding="utf-8"))
    models = {name: LinearModel.from_dict(data[name]) for name in ("claim", "supplier", "recipient", "status", "stance")}
    directions = data.get("directions", {})
    sentence = SentenceModel(**data["sentence"]) if "sentence" in data else None
    return Decisions(meta=data.get("meta", {}), directions=directions.get("counts", {}),
                     direction_weight=directions.get("weight", 0.0), sentence=sentence, **models)
