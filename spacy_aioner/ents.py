"""Choosing ``doc.ents`` among candidate spans: what is already there stays, and a mention
scored under the pipe's ``min_score`` stays out."""
import math
from typing import Dict, Iterable, List, Union

from spacy.tokens import Span


def add_where_free(kept: List[Span], candidates: Iterable[Span]) -> List[Span]:
    """`kept`, plus each candidate (in order) that overlaps nothing taken so far; by start."""
    taken = {i for span in kept for i in range(span.start, span.end)}
    out = list(kept)
    for span in candidates:
        tokens = range(span.start, span.end)
        if not taken.intersection(tokens):
            out.append(span)
            taken.update(tokens)
    return sorted(out, key=lambda span: span.start)


def min_score_of(min_score: Union[float, Dict[str, float], None], label: str) -> float:
    """The threshold for `label` from a pipe's ``min_score`` (one value, or per type; 0 if unset)."""
    if isinstance(min_score, dict):
        return float(min_score.get(label, 0.0))
    return float(min_score or 0.0)


def above_threshold(score: float, min_score, label: str) -> bool:
    """True if a mention with `score` passes `min_score`; a score that is not a number (a
    mention added by a rule, such as the abbreviation step) always does."""
    return math.isnan(score) or score >= min_score_of(min_score, label)


def kept_flags(group) -> List[bool]:
    """For each span of an aioner span group, whether it reaches the group's ``min_score``
    (what doc.ents and the writers keep); every span does when the group has no scores."""
    scores, min_score = group.attrs.get("scores"), group.attrs.get("min_score")
    if not scores or not min_score:
        return [True] * len(group)
    return [score is None or above_threshold(score, min_score, span.label_) for span, score in zip(group, scores)]
