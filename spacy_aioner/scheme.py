"""The all-in-one (AIO) scheme: tasks, labels, marker tokens and span <-> tag mapping.

Six entity types, seven tasks (one per type plus ``ALL``), 19 labels (``B-T``/``I-T``
per type, ``O-T`` per single-type task, plain ``O`` for ``ALL``) and 14 marker tokens
(``<T>`` and ``</T>`` per task) that wrap every span the encoder sees.
"""
from typing import Dict, Iterable, List, Sequence, Tuple

from spacy.tokens import Doc, Span

ENTITY_TYPES: Tuple[str, ...] = ("Gene", "Chemical", "Disease", "Species", "Variant", "CellLine")
ALL = "ALL"
TASKS: Tuple[str, ...] = ENTITY_TYPES + (ALL,)
OUTSIDE = "O"

LABELS: Tuple[str, ...] = tuple(
    [f"{prefix}-{etype}" for etype in ENTITY_TYPES for prefix in ("B", "I")]
    + [f"O-{etype}" for etype in ENTITY_TYPES]
    + [OUTSIDE]
)
LABEL_IDS: Dict[str, int] = {label: i for i, label in enumerate(LABELS)}


def open_marker(task: str) -> str:
    """The marker token that opens a span of `task`, e.g. ``<Disease>``."""
    return f"<{check_task(task)}>"


def close_marker(task: str) -> str:
    """The marker token that closes a span of `task`, e.g. ``</Disease>``."""
    return f"</{check_task(task)}>"


MARKERS: Tuple[str, ...] = tuple(m for task in TASKS for m in (f"<{task}>", f"</{task}>"))


def check_task(task: str) -> str:
    """Return `task` if it is one of the seven AIO tasks, else raise ValueError."""
    if task not in TASKS:
        raise ValueError(f"Unknown AIONER task {task!r}; expected one of {', '.join(TASKS)}")
    return task


def task_types(task: str) -> Tuple[str, ...]:
    """The entity types that documents of `task` annotate."""
    return ENTITY_TYPES if check_task(task) == ALL else (task,)


def outside_label(task: str) -> str:
    """The outside label of `task`: ``O-T`` for a single type, ``O`` for ALL."""
    return OUTSIDE if check_task(task) == ALL else f"O-{task}"


def allowed_labels(task: str) -> Tuple[str, ...]:
    """The labels a document of `task` may carry: B/I of its types and its outside label."""
    types = task_types(task)
    return tuple(f"{p}-{t}" for t in types for p in ("B", "I")) + (outside_label(task),)


def allowed_mask(task: str) -> List[bool]:
    """A boolean mask over LABELS, True for the labels `task` allows."""
    allowed = set(allowed_labels(task))
    return [label in allowed for label in LABELS]


def is_valid_transition(prev: str, curr: str) -> bool:
    """I-X may only follow B-X or I-X; every other move is valid."""
    if curr.startswith("I-"):
        return prev in (f"B-{curr[2:]}", f"I-{curr[2:]}")
    return True


def is_valid_start(label: str) -> bool:
    """No sequence starts with an I- label."""
    return not label.startswith("I-")


def spans_to_tags(doc: Doc, spans: Iterable[Span], task: str) -> List[str]:
    """Per-token AIO tags of `doc` for `task` from non-overlapping `spans`.

    Spans whose label is not a type of `task` are ignored (a Disease corpus never
    annotated genes, so a gene there is outside). Overlapping spans raise ValueError.
    """
    types = set(task_types(task))
    tags = [outside_label(task)] * len(doc)
    for span in sorted(spans, key=lambda s: s.start):
        if span.label_ not in types:
            continue
        if any(tag != outside_label(task) for tag in tags[span.start : span.end]):
            raise ValueError(
                f"Overlapping spans cannot be tagged: {span.text!r} at tokens "
                f"{span.start}-{span.end} overlaps another mention"
            )
        tags[span.start] = f"B-{span.label_}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label_}"
    return tags


def tags_to_spans(doc: Doc, tags: Sequence[str]) -> List[Span]:
    """Spans of `doc` from per-token AIO tags; an I-X with no open X starts a mention."""
    if len(tags) != len(doc):
        raise ValueError(f"Got {len(tags)} tags for a doc of {len(doc)} tokens")
    spans: List[Span] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + [OUTSIDE]):
        prefix, _, etype = tag.partition("-")
        continues = prefix == "I" and etype == label
        if start is not None and not continues:
            spans.append(Span(doc, start, i, label=label))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, etype
    return spans
