"""Turning CRF confidences into chances of being right: a per-type Platt map, fitted on a dev split.

The span score (the lowest token marginal of the CRF path) orders mentions well but is not a
probability: most mentions score above 0.99 whether right or wrong. A Platt map per entity type,
``sigmoid(a * logit(score) + b)`` with ``a > 0``, keeps that order and is fitted by maximum
likelihood on whether each predicted mention of the dev split is in the gold standard.
"""
import math
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy

EPSILON = 1e-6
Calibration = Dict[str, Tuple[float, float]]  # entity type -> (a, b)


def logit(score: float) -> float:
    p = min(max(score, EPSILON), 1 - EPSILON)
    return math.log(p / (1 - p))


def calibrate(score: float, label: str, calibration: Calibration) -> float:
    """The calibrated score of a mention of type `label` (unchanged if the type has no map or the
    score is not a number)."""
    if label not in calibration or math.isnan(score):
        return score
    a, b = calibration[label]
    return 1.0 / (1.0 + math.exp(-(a * logit(score) + b)))


def fit_platt(scores: Sequence[float], correct: Sequence[bool], iterations: int = 100) -> Tuple[float, float]:
    """(a, b) maximising the likelihood of `correct` under sigmoid(a * logit(score) + b), by
    Newton's method with a small ridge; `a` is kept positive so the order of scores stays."""
    x = numpy.array([logit(s) for s in scores])
    y = numpy.asarray(correct, dtype=float)
    if len(x) == 0 or y.min() == y.max():  # nothing to learn from: a map that keeps the scores
        return 1.0, 0.0
    features = numpy.stack([x, numpy.ones_like(x)], axis=1)

    def loss(w):
        z = features @ w
        return float(numpy.sum(numpy.logaddexp(0.0, z) - y * z) + 0.5e-3 * w @ w)

    w = numpy.array([1.0, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(features @ w, -50, 50)))
        gradient = features.T @ (p - y) + 1e-3 * w
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + 1e-3 * numpy.eye(2)
        step = numpy.linalg.solve(hessian, gradient)
        current, scale = loss(w), 1.0
        while loss(w - scale * step) > current and scale > 1e-6:  # backtrack: never a worse fit
            scale /= 2
        w = w - scale * step
        if numpy.abs(scale * step).max() < 1e-9:
            break
    a, b = float(max(w[0], 1e-3)), float(w[1])
    return a, b


def expected_calibration_error(scores: Iterable[float], correct: Iterable[bool], bins: int = 10) -> float:
    """Weighted mean |accuracy - confidence| over equal-width score bins."""
    scores, correct = numpy.asarray(list(scores), dtype=float), numpy.asarray(list(correct), dtype=float)
    if len(scores) == 0:
        return 0.0
    which = numpy.minimum((scores * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.sum() / len(scores) * abs(correct[mask].mean() - scores[mask].mean())
    return float(error)


def reliability(scores: Iterable[float], correct: Iterable[bool], bins: int = 10) -> List[Tuple[float, float, int]]:
    """Per non-empty bin: (mean score, share correct, mentions)."""
    scores, correct = numpy.asarray(list(scores), dtype=float), numpy.asarray(list(correct), dtype=float)
    which = numpy.minimum((scores * bins).astype(int), bins - 1)
    return [(float(scores[which == b].mean()), float(correct[which == b].mean()), int((which == b).sum()))
            for b in range(bins) if (which == b).any()]
