"""The ``aioner`` component: all-in-one biomedical NER on a transformer listener.

It tags every token with one of the 19 AIO labels, restricted to the labels of the document's
task, decodes with a constrained CRF (or a softmax), and writes every mention to
``doc.spans["aioner"]`` (scores in ``.attrs["scores"]``, the tasks that found each in
``.attrs["tasks"]``) and a non-overlapping subset, scored at least ``min_score``, to ``doc.ents``.
With ``tasks = ["Gene", "Disease"]`` it runs one encoder pass per task and keeps the mentions of
all of them, nested ones included.

The task and threshold travel with each document: ``doc._.aioner_tasks`` and
``doc._.aioner_min_score``, set by a run, win over the document's own ``doc._.aioner_task`` (its
gold's, in training) and the pipe's configuration; the pipe never changes itself per call, so
one loaded pipeline serves concurrent calls with different tasks.
"""
from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import filter_spans, registry
from thinc.api import Config, Model, set_dropout_rate

from ..calibration import Calibration, calibrate
from ..ents import above_threshold, add_where_free
from ..extensions import SPANS_KEY, doc_tasks, install_extensions
from ..layers.tagger import crf_module
from ..layers.task_encoder import TaskTransformerModel
from ..scheme import ENTITY_TYPES, TASKS, Scheme, tags_to_spans
from .training_record import TrainingRecord

DEFAULT_AIONER_MODEL_CONFIG = """
[model]
@architectures = "spacy-aioner.AIOTagger.v1"
hidden_width = 256
dropout = 0.1
decoder = "crf"

[model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "*"

[model.tok2vec.pooling]
@layers = "reduce_mean.v1"
"""
DEFAULT_AIONER_MODEL = Config().from_str(DEFAULT_AIONER_MODEL_CONFIG)["model"]
ENTS_RULES = ("longest", "score")

# where a training document carries a teacher's per-token label distributions (spacy_aioner.distill)
TEACHER_KEY = "aioner_teacher"

# (task, label ids, per-token confidence) for each task run on a document
TaskPrediction = Tuple[str, List[int], List[float]]


def aioner_score(examples: Iterable[Example], **kwargs) -> Dict[str, object]:
    """Entity-level micro P/R/F and per-type scores of ``doc.ents``, as spaCy's NER scorer."""
    return get_ner_prf(examples)


@registry.scorers("spacy-aioner.aioner_scorer.v1")
def make_aioner_scorer() -> Callable:
    return aioner_score


@Language.factory(
    "aioner",
    assigns=["doc.ents", "doc.spans"],
    default_config={
        "model": DEFAULT_AIONER_MODEL,
        "task": "ALL",
        "tasks": None,
        "spans_key": SPANS_KEY,
        "ents_rule": "longest",
        "overwrite_ents": False,
        "min_score": 0.0,
        "distill_weight": 0.0,
        "scorer": {"@scorers": "spacy-aioner.aioner_scorer.v1"},
    },
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_aioner(
    nlp: Language,
    name: str,
    model: Model,
    task: str,
    tasks: Optional[List[str]],
    spans_key: str,
    ents_rule: str,
    overwrite_ents: bool,
    scorer: Optional[Callable],
    min_score: Union[float, Dict[str, float]] = 0.0,
    distill_weight: float = 0.0,
) -> "AIONER":
    """All-in-one biomedical NER. `task` is one of Gene, Chemical, Disease, Species,
    Variant, CellLine, ALL; `tasks` (a list) runs one pass per task instead. Mentions scored
    below `min_score` (one value, or per type) stay in the span group only. In training,
    `distill_weight` > 0 adds a soft-label term towards a teacher's distributions where the
    training documents carry them (see spacy_aioner.distill)."""
    return AIONER(nlp.vocab, model, name=name, task=task, tasks=tasks, spans_key=spans_key,
                  ents_rule=ents_rule, overwrite_ents=overwrite_ents, scorer=scorer, min_score=min_score,
                  distill_weight=distill_weight)


class AIONER(TrainingRecord, TrainablePipe):
    """All-in-one (AIO) scheme NER on a transformer listener, CRF or softmax decoder."""

    def __init__(
        self,
        vocab,
        model: Model,
        name: str = "aioner",
        *,
        task: str = "ALL",
        tasks: Optional[List[str]] = None,
        spans_key: str = SPANS_KEY,
        ents_rule: str = "longest",
        overwrite_ents: bool = False,
        scorer: Optional[Callable] = aioner_score,
        min_score: Union[float, Dict[str, float]] = 0.0,
        distill_weight: float = 0.0,
    ) -> None:
        """Initialize the pipe; `tasks`, when given, overrides `task` (first one shapes the
        shared encoder pass, each further one costs one more encoder pass)."""
        install_extensions()
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scheme = Scheme(tuple(model.attrs.get("entity_types", ENTITY_TYPES)))
        self.tasks = [self._check_task(t) for t in (tasks or [task])]
        if len(set(self.tasks)) != len(self.tasks):
            raise ValueError(f"{name}: tasks repeat: {self.tasks}")
        if ents_rule not in ENTS_RULES:
            raise ValueError(f"{name}: ents_rule must be one of {ENTS_RULES}, got {ents_rule!r}")
        self.spans_key = spans_key
        self.ents_rule = ents_rule
        self.overwrite_ents = overwrite_ents
        self.min_score = self._check_min_score(min_score)
        if not (isinstance(distill_weight, (int, float)) and distill_weight >= 0):
            raise ValueError(f"{name}: distill_weight must be a number >= 0, got {distill_weight!r}")
        self.distill_weight = float(distill_weight)
        self.scorer = scorer
        self.cfg = {"labels": list(self.scheme.labels)}
        self.reset_training_record()
        self._encoder: Optional[TaskTransformerModel] = None
        for node in model.walk():  # a transformer inside this pipe's own model
            if isinstance(node, TaskTransformerModel):
                self.attach_encoder(node)

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def encoder_task(self) -> str:
        """The task of the shared encoder pass (the first of `tasks`)."""
        return self.tasks[0]

    @property
    def decoder(self) -> str:
        return self.model.attrs["decoder"]

    def attach_encoder(self, encoder: TaskTransformerModel) -> None:
        """Called by the upstream aioner_transformer: lets this pipe run extra task passes."""
        self._encoder = encoder
        encoder.task_context.default = self.encoder_task

    def check_run(self, tasks: Optional[Sequence[str]] = None, min_score=None):
        """(tasks, min_score) checked as a run may set them on documents (``doc._.aioner_tasks``,
        ``doc._.aioner_min_score``; None: the pipe's); ValueError naming the problem otherwise.
        Changes nothing, so any thread may call it."""
        checked = None
        if tasks is not None:
            checked = [self._check_task(t) for t in tasks]
            if not checked or len(set(checked)) != len(checked):
                raise ValueError(f"{self.name}: tasks must be one or more distinct tasks, got {list(tasks)}")
        return checked, None if min_score is None else self._check_min_score(min_score)

    def doc_tasks(self, doc: Doc) -> List[str]:
        """The tasks run on `doc` (checked), first the one of the shared encoder pass."""
        return [self._check_task(task) for task in doc_tasks(doc, self.tasks)]

    def doc_min_score(self, doc: Doc):
        """The threshold of `doc`: the run's, else the pipe's."""
        own = doc._.aioner_min_score
        return self.min_score if own is None else self._check_min_score(own)

    def predict(self, docs: Iterable[Doc]) -> List[List[TaskPrediction]]:
        """Per doc, the label ids and confidences of each task run on it, in its task order."""
        docs = list(docs)
        tasks = [self.doc_tasks(doc) for doc in docs]
        if not any(len(doc) for doc in docs):  # spacy-transformers cannot pool a batch of empty docs
            return [[(own[0], [], [])] for own in tasks]
        found = [{own[0]: pred} for own, pred in zip(tasks, self._decode(self.model.predict(docs), [t[0] for t in tasks]))]
        extra: Dict[str, List[int]] = {}  # task -> the docs that run it as an extra pass
        for i, own in enumerate(tasks):
            for task in own[1:]:
                extra.setdefault(task, []).append(i)
        for task, todo in extra.items():
            for i, pred in zip(todo, self._extra_pass([docs[i] for i in todo], task)):
                found[i][task] = pred
        return [[(task, *found[i][task]) for task in own] for i, own in enumerate(tasks)]

    def set_annotations(self, docs: Iterable[Doc], predictions: List[List[TaskPrediction]]) -> None:
        """Write all mentions to ``doc.spans[spans_key]`` and resolve ``doc.ents``.

        One span per (start, end, label): when several task passes find the same mention,
        ``attrs["tasks"]`` lists them all in pass order and ``attrs["scores"]`` keeps the highest
        of their confidences. The same extent with different labels gives one span per label.
        """
        calibration = self.calibration  # read from cfg once per batch, not per span
        for doc, doc_predictions in zip(docs, predictions):
            found: Dict[Tuple[int, int, str], Tuple[Span, float, List[str]]] = {}
            for task, label_ids, confidence in doc_predictions:
                for span in _split_at_breaks(doc, tags_to_spans(doc, [self.labels[i] for i in label_ids])):
                    key = (span.start, span.end, span.label_)
                    score = float(min(confidence[span.start : span.end]))
                    if key in found:
                        kept, best, tasks = found[key]
                        found[key] = (kept, max(best, score), tasks + [task] if task not in tasks else tasks)
                    else:
                        found[key] = (span, score, [task])
            merged = [found[key] for key in sorted(found)]
            if calibration:
                raw = [score for _, score, _ in merged]
                merged = [(span, calibrate(score, span.label_, calibration), tasks) for span, score, tasks in merged]
            doc.spans[self.spans_key] = [span for span, _, _ in merged]
            group = doc.spans[self.spans_key]
            group.attrs["scores"] = [score for _, score, _ in merged]
            if calibration:
                group.attrs["raw_scores"] = raw
            group.attrs["tasks"] = [tasks for _, _, tasks in merged]
            min_score = group.attrs["min_score"] = self.doc_min_score(doc)
            kept = [(span, score) for span, score, _ in merged if above_threshold(score, min_score, span.label_)]
            doc.ents = self._resolve_ents(doc, [span for span, _ in kept], [score for _, score in kept])

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """Learn from a batch of examples, each tagged under its own task."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "AIONER.update")
        examples = list(examples)
        # an empty document teaches nothing, but stays in the batch: the listener's output is the
        # encoder's, for the whole batch
        learned = [i for i, eg in enumerate(examples) if len(eg.predicted)]
        if not learned:
            return losses
        self._check_task_reached_encoder(examples)
        self.record_training_docs(examples)
        set_dropout_rate(self.model, drop)
        emissions, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_learned = self.get_loss([examples[i] for i in learned], [emissions[i] for i in learned])
        d_emissions = [self.model.ops.alloc2f(*e.shape) for e in emissions]
        for i, d in zip(learned, d_learned):
            d_emissions[i] = d
        backprop(d_emissions)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], emissions: List) -> Tuple[float, List]:
        """CRF negative log-likelihood (or masked softmax cross-entropy) and its gradient."""
        examples = list(examples)
        tags = [self._gold_ids(eg) for eg in examples]
        masks = numpy.asarray([self.scheme.allowed_mask(self._example_task(eg)) for eg in examples], dtype="float32")
        if self.decoder == "crf":
            nll, backprop = self.model.get_ref("crf").begin_update((emissions, tags, masks))
            d_emissions = backprop(self.model.ops.xp.ones_like(nll))
            loss = float(nll.sum())
        else:
            loss, d_emissions = 0.0, []
            for scores, gold, mask in zip(emissions, tags, masks):
                probs = _masked_softmax(scores, mask)
                loss -= float(numpy.log(probs[numpy.arange(len(gold)), gold] + 1e-9).sum())
                d = probs.copy()
                d[numpy.arange(len(gold)), gold] -= 1.0
                d_emissions.append(self.model.ops.asarray2f(d))
        if self.distill_weight:
            loss += self._add_distillation(examples, emissions, masks, d_emissions)
        if numpy.isnan(loss):
            raise ValueError(f"{self.name}: NaN loss")
        return loss, d_emissions

    def label_distributions(self, docs: List[Doc]) -> List[numpy.ndarray]:
        """Each token's distribution over ``self.labels`` under its document's task, a
        (tokens, labels) array per doc: the CRF's marginals (the softmax's probabilities). The
        docs must have been run through the upstream transformer (``doc._.trf_data``)."""
        if not any(len(doc) for doc in docs):
            return [numpy.zeros((0, len(self.labels)), dtype="float32") for _ in docs]
        emissions = [self.model.ops.to_numpy(e) for e in self.model.predict(docs)]
        masks = [self.scheme.allowed_mask(self.doc_tasks(doc)[0]) for doc in docs]
        if self.decoder == "softmax":
            return [_masked_softmax(e, numpy.asarray(m, dtype="float32")) for e, m in zip(emissions, masks)]
        return crf_module(self.model).distributions(emissions, masks)

    def _add_distillation(self, examples: List[Example], emissions: List, masks: numpy.ndarray, d_emissions: List) -> float:
        """Soft-label term: cross-entropy of the task-masked softmax of the emissions against
        the teacher's distribution (KL up to the teacher's entropy), times `distill_weight`;
        its gradient is added to `d_emissions`. Documents without teacher labels add nothing."""
        loss = 0.0
        for i, eg in enumerate(examples):
            target = eg.reference.user_data.get(TEACHER_KEY)
            if target is None:
                continue
            target = numpy.asarray(target, dtype="float32")
            if target.shape != (len(eg.predicted), len(self.labels)):
                raise ValueError(f"{self.name}: teacher distributions of shape {target.shape} for a document of "
                                 f"{len(eg.predicted)} tokens and {len(self.labels)} labels")
            probs = _masked_softmax(self.model.ops.to_numpy(emissions[i]), masks[i])
            loss -= self.distill_weight * float((target * numpy.log(probs + 1e-9)).sum())
            d_emissions[i] = d_emissions[i] + self.model.ops.asarray2f(self.distill_weight * (probs - target))
        return loss

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[List[str]] = None) -> None:
        """Check the label set (fixed by the model's entity types) and infer the model's sizes."""
        if labels is not None and sorted(labels) != sorted(self.labels):
            raise ValueError(f"{self.name}: the model's entity types fix the labels to {self.labels}; got {labels}")
        validate_get_examples(get_examples, "AIONER.initialize")
        docs = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=docs)
        self.reset_training_record()

    def add_label(self, label: str) -> int:
        raise NotImplementedError(
            "The labels follow from the model's entity_types ([components.aioner.model] entity_types); "
            "set a task to restrict them"
        )

    # private helpers -------------------------------------------------------------------

    def _decode(self, emissions: List, tasks: List[str]) -> List[Tuple[List[int], List[float]]]:
        masks = [self.scheme.allowed_mask(t) for t in tasks]
        if self.decoder == "softmax":
            out = []
            for scores, mask in zip(emissions, masks):
                probs = _masked_softmax(scores, numpy.asarray(mask, dtype="float32"))
                out.append((probs.argmax(1).tolist(), probs.max(1).tolist()))
            return out
        to_numpy = self.model.ops.to_numpy
        return crf_module(self.model).tag([to_numpy(e) for e in emissions], masks)

    def _extra_pass(self, docs: List[Doc], task: str) -> List[Tuple[List[int], List[float]]]:
        """Encode `docs` once more under `task` and tag them, leaving ``doc._.trf_data`` as it was."""
        if self._encoder is None:
            raise ValueError(
                f"{self.name}: tasks={self.tasks} needs an aioner_transformer upstream (or inside "
                f"this pipe's model) to run one encoder pass per task"
            )
        own = [doc._.aioner_tasks for doc in docs]  # the documents are this call's: no other thread sees them
        try:
            for doc in docs:
                doc._.aioner_tasks = [task]
            batch = self._encoder.predict(docs)
        finally:
            for doc, tasks in zip(docs, own):
                doc._.aioner_tasks = tasks
        saved = [doc._.trf_data for doc in docs]
        try:
            for doc, data in zip(docs, batch.doc_data):
                doc._.trf_data = data
            emissions = self.model.predict(docs)
        finally:
            for doc, data in zip(docs, saved):
                doc._.trf_data = data
        return self._decode(emissions, [task] * len(docs))

    def _resolve_ents(self, doc: Doc, spans: List[Span], scores: List[float]) -> List[Span]:
        if self.ents_rule == "score":
            ranked = [spans[k] for k in sorted(range(len(spans)), key=lambda k: (-scores[k], -len(spans[k]), spans[k].start))]
        else:
            ranked = filter_spans(spans)
        return add_where_free([] if self.overwrite_ents else list(doc.ents), ranked)

    @property
    def calibration(self) -> Calibration:
        """Per type, the Platt map from CRF confidence to chance of being right (empty: none)."""
        return {label: tuple(ab) for label, ab in self.cfg.get("calibration", {}).items()}

    def set_calibration(self, calibration: Calibration) -> None:
        """Store a calibration (see spacy_aioner.calibration); it is saved with the pipe and
        applied to ``attrs["scores"]`` (the CRF's own stay in ``attrs["raw_scores"]``)."""
        unknown = set(calibration) - set(self.scheme.entity_types)
        if unknown:
            raise ValueError(f"{self.name}: calibration for unknown types {sorted(unknown)}")
        self.cfg["calibration"] = {label: [float(a), float(b)] for label, (a, b) in calibration.items()}

    def _check_min_score(self, min_score):
        values = min_score.values() if isinstance(min_score, dict) else [min_score]
        if not all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in values):
            raise ValueError(f"{self.name}: min_score must be a number in [0, 1] or a dict of them per type, got {min_score!r}")
        unknown = set(min_score) - set(self.scheme.entity_types) if isinstance(min_score, dict) else set()
        if unknown:
            raise ValueError(f"{self.name}: min_score names unknown types {sorted(unknown)}; types: {', '.join(self.scheme.entity_types)}")
        return dict(min_score) if isinstance(min_score, dict) else float(min_score)

    def _example_task(self, example: Example) -> str:
        return self._check_task(example.reference._.aioner_task or example.predicted._.aioner_task or self.encoder_task)

    def _gold_ids(self, example: Example) -> numpy.ndarray:
        task = self._example_task(example)
        ents = example.get_aligned_spans_y2x(example.reference.ents, allow_overlap=False)
        tags = self.scheme.spans_to_tags(example.predicted, ents, task)
        return numpy.asarray([self.scheme.label_ids[t] for t in tags], dtype="int64")

    def _check_task(self, task: str) -> str:
        """`task` if the model's scheme has it and the encoder has its marker tokens."""
        self.scheme.check_task(task)
        if task not in TASKS:
            raise ValueError(
                f"{self.name}: task {task!r} has no marker tokens in the encoder (markers exist for "
                f"{', '.join(TASKS)}); a pipeline with new entity types runs as task ALL"
            )
        return task

    def _check_task_reached_encoder(self, examples: List[Example]) -> None:
        for eg in examples:
            gold, seen = eg.reference._.aioner_task, eg.predicted._.aioner_task
            if gold is not None and gold != (seen or self.encoder_task):
                raise ValueError(
                    f"{self.name}: a training document of task {gold} reached the encoder as "
                    f"{seen or self.encoder_task}. Read training data with "
                    f"[corpora.train] @readers = \"spacy-aioner.Corpus.v1\" so each document's task "
                    f"reaches the encoder input."
                )


def _split_at_breaks(doc: Doc, spans: List[Span]) -> List[Span]:
    """Spans cut at line breaks (passages are joined by one) and trimmed of whitespace tokens."""
    space = set(numpy.flatnonzero(doc.to_array([IS_SPACE])).tolist())
    if not space:
        return spans
    breaks = {i for i in space if "\n" in doc[i].text}
    out = []
    for span in spans:
        start = span.start
        for i in range(span.start, span.end + 1):
            if i == span.end or i in breaks:
                end = i
                while start < end and start in space:
                    start += 1
                while end > start and end - 1 in space:
                    end -= 1
                if end > start:
                    out.append(span if (start, end) == (span.start, span.end) else Span(doc, start, end, label=span.label))
                start = i + 1
    return out


def _masked_softmax(scores, mask) -> numpy.ndarray:
    scores = numpy.asarray(scores, dtype="float32")
    scores = numpy.where(numpy.asarray(mask, dtype=bool)[None, :], scores, -1e4)
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = numpy.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)
