"""`claims eval`: the detector scored on the real labelled sets, by cross-validation and across sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.claims.evaluate import REAL_SETS, Score
from pipeline.claims.train import FOLDS, Analysed, fit_decisions, score_analysed, split_folds


@dataclass
class Evaluation:
    """Scores of one real set: cross-validated, trained on the other real set only, and the committed model."""

    name: str
    cross_validated: Score
    cross_set: Score
    committed: Score | None = None


def cross_validate(analysed: dict[str, list[Analysed]], name: str, folds: int = FOLDS,
                   thresholds: dict[str, float] | None = None) -> Score:
    """Article-level k-fold CV on one real set; each fold trains on the rest of it plus every other labelled set.

    Args:
        analysed: every labelled set, read and parsed.
        name: the real set to score.
        folds: number of folds.
        thresholds: fixed decision thresholds (default: chosen by an inner CV in each fold).
    """
    parts = split_folds(analysed[name], folds)
    others = [a for other, arts in analysed.items() if other != name for a in arts]
    total = Score()
    for i, part in enumerate(parts):
        train = [a for j, p in enumerate(parts) if j != i for a in p] + others
        d = fit_decisions(train, thresholds)
        for a in part:
            total.add(score_analysed(a, d))
    return total


def cross_set(analysed: dict[str, list[Analysed]], name: str, thresholds: dict[str, float] | None = None) -> Score:
    """Train on the other real set alone and score this one: how far the learned decisions carry.

    Args:
        analysed: every labelled set, read and parsed.
        name: the real set to score.
        thresholds: fixed decision thresholds (default: chosen by an inner CV).
    """
    other = next(s for s in REAL_SETS if s != name)
    d = fit_decisions(analysed[other], thresholds)
    total = Score()
    for a in analysed[name]:
        total.add(score_analysed(a, d))
    return total


def format_evaluation(ev: Evaluation, errors: int = 0) -> str:
    """A plain-text report: sentence and claim P/R/F1, field accuracy, errors grouped by kind."""
    lines = [f"== {ev.name} =="]
    rows = [("cross-validated (5 folds, articles of this set never scored by a model that saw them)", ev.cross_validated),
            ("trained on the other real set alone", ev.cross_set)]
    if ev.committed is not None:
        rows.append(("committed model (has seen this set)", ev.committed))
    for label, s in rows:
        f = s.figures()
        lines.append(f"{label}:")
        lines.append(f"  sentences  P {f['sentence_p']:.3f}  R {f['sentence_r']:.3f}  F1 {f['sentence_f1']:.3f}")
        lines.append(f"  claims     P {f['claim_p']:.3f}  R {f['claim_r']:.3f}  F1 {f['claim_f1']:.3f}")
        fields = "  ".join(f"{k[:-4]} {v:.2f}" for k, v in f.items() if k.endswith("_acc") and v is not None)
        lines.append(f"  fields     {fields}")
    kinds = Counter(e["kind"] for e in ev.cross_validated.errors)
    lines.append("errors (cross-validated): " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    for e in ev.cross_validated.errors[:errors]:
        lines.append(f"  [{e['kind']}] want {e['want']} got {e['got']}: {e['sentence'][:140]}")
    return "\n".join(lines)


def evaluate_real_sets(analysed: dict[str, list[Analysed]], committed=None,
                       thresholds: dict[str, float] | None = None) -> list[Evaluation]:
    """Cross-validated, cross-set and (if given) committed-model scores of both real sets.

    Args:
        analysed: every labelled set, read and parsed.
        committed: the committed decision models, scored on each set too (they have seen it).
        thresholds: fixed decision thresholds for every fold (default: an inner CV chooses them, 4x slower).
    """
    out = []
    for name in REAL_SETS:
        ev = Evaluation(name, cross_validate(analysed, name, thresholds=thresholds), cross_set(analysed, name, thresholds))
        if committed is not None:
            ev.committed = Score()
            for a in analysed[name]:
                ev.committed.add(score_analysed(a, committed))
        out.append(ev)
    return out
