"""The all-in-one (AIO) scheme: tasks, labels, marker tokens and span <-> tag mapping.

Six entity types, seven tasks (one per type plus ``ALL``), 19 labels (``B-T``/``I-T``
per type, ``O-T`` per single-type task, plain ``O`` for ``ALL``) and 14 marker tokens
(``<T>`` and ``</T>`` per task) that wrap every span the encoder sees.

A `Scheme` over other entity types (fine-tuning a trained pipeline to new types, as the
paper does with AnEM's anatomy types) derives its labels and tasks the same way; the
encoder's marker tokens stay the seven AIO tasks', so such a pipeline runs as task ``ALL``.
The module-level names below are the default AIO scheme.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple, Union

from spacy.tokens import Doc, Span

ENTITY_TYPES: Tuple[str, ...] = ("Gene", "Chemical", "Disease", "Species", "Variant", "CellLine")
ALL = "ALL"
OUTSIDE = "O"


@dataclass(frozen=True)
class Scheme:
    """Labels and tasks derived from a tuple of entity types."""

    entity_types: Tuple[str, ...]
    label_ids: Dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        types = tuple(self.entity_types)
        bad = [t for t in types if not t or t == ALL or any(c in t for c in " \t<>")]
        if not types or bad or len(set(types)) != len(types):
            raise ValueError(f"Entity types must be distinct non-empty names other than {ALL}: {list(types)}")
        object.__setattr__(self, "entity_types", types)
        object.__setattr__(self, "label_ids", {label: i for i, label in enumerate(self.labels)})

    @classmethod
    def from_label_file(cls, path: Union[str, Path]) -> "Scheme":
        """The scheme of an upstream label vocabulary (one label per line, e.g. AnEM_label.vocab)."""
        labels = [line.strip() for line in Path(path).read_text(encoding="utf8").splitlines() if line.strip()]
        types = list(dict.fromkeys(label[2:] for label in labels if label[:2] in ("B-", "I-")))
        if not types:
            raise ValueError(f"{path}: no B-X/I-X labels found")
        return cls(tuple(types))

    @property
    def tasks(self) -> Tuple[str, ...]:
        return self.entity_types + (ALL,)

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(
            [f"{prefix}-{etype}" for etype in self.entity_types for prefix in ("B", "I")]
            + [f"O-{etype}" for etype in self.entity_types]
            + [OUTSIDE]
        )

    def check_task(self, task: str) -> str:
        """Return `task` if it is one of this scheme's tasks, else raise ValueError."""
        if task not in self.tasks:
            raise ValueError(f"Unknown AIONER task {task!r}; expected one of {', '.join(self.tasks)}")
        return task

    def task_types(self, task: str) -> Tuple[str, ...]:
        """The entity types that documents of `task` annotate."""
        return self.entity_types if self.check_task(task) == ALL else (task,)

    def outside_label(self, task: str) -> str:
        """The outside label of `task`: ``O-T`` for a single type, ``O`` for ALL."""
        return OUTSIDE if self.check_task(task) == ALL else f"O-{task}"

    def allowed_labels(self, task: str) -> Tuple[str, ...]:
        """The labels a document of `task` may carry: B/I of its types and its outside label."""
        return tuple(f"{p}-{t}" for t in self.task_types(task) for p in ("B", "I")) + (self.outside_label(task),)

    def allowed_mask(self, task: str) -> List[bool]:
        """A boolean mask over the labels, True for the labels `task` allows."""
        allowed = set(self.allowed_labels(task))
        return [label in allowed for label in self.labels]

    def spans_to_tags(self, doc: Doc, spans: Iterable[Span], task: str) -> List[str]:
        """Per-token tags of `doc` for `task` from non-overlapping `spans`.

        Spans whose label is not a type of `task` are ignored (a Disease corpus never
        annotated genes, so a gene there is outside). Overlapping spans raise ValueError.
        """
        types = set(self.task_types(task))
        outside = self.outside_label(task)
        tags = [outside] * len(doc)
        for span in sorted(spans, key=lambda s: s.start):
            if span.label_ not in types:
                continue
            if any(tag != outside for tag in tags[span.start : span.end]):
                raise ValueError(
                    f"Overlapping spans cannot be tagged: {span.text!r} at tokens "
                    f"{span.start}-{span.end} overlaps another mention"
                )
            tags[span.start] = f"B-{span.label_}"
            for i in range(span.start + 1, span.end):
                tags[i] = f"I-{span.label_}"
        return tags


AIO = Scheme(ENTITY_TYPES)
TASKS: Tuple[str, ...] = AIO.tasks
LABELS: Tuple[str, ...] = AIO.labels
LABEL_IDS: Dict[str, int] = AIO.label_ids
MARKERS: Tuple[str, ...] = tuple(m for task in TASKS for m in (f"<{task}>", f"</{task}>"))


def open_marker(task: str) -> str:
    """The marker token that opens a span of `task`, e.g. ``<Disease>``."""
    return f"<{AIO.check_task(task)}>"


def close_marker(task: str) -> str:
    """The marker token that closes a span of `task`, e.g. ``</Disease>``."""
    return f"</{AIO.check_task(task)}>"


def is_valid_transition(prev: str, curr: str) -> bool:
    """I-X may only follow B-X or I-X; every other move is valid."""
    if curr.startswith("I-"):
        return prev in (f"B-{curr[2:]}", f"I-{curr[2:]}")
    return True


def is_valid_start(label: str) -> bool:
    """No sequence starts with an I- label."""
    return not label.startswith("I-")


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
