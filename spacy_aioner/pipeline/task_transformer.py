"""The ``aioner_transformer`` component: spacy-transformers' Transformer whose encoder input
carries the task of the ``aioner`` pipe that listens to it.

spaCy re-runs ``find_listeners`` on ``add_pipe``, on load and on initialize, so the task
given in the aioner pipe's config (``add_pipe`` or ``spacy.load(..., config=...)``) steers
the encoder with no retraining. One transformer pass serves one task: two aioner pipes with
different tasks on one transformer are refused (use the ``tasks`` setting instead). It keeps its
own record of the documents it learned from (``training_docs``), which goes with its weights.
"""
from typing import Callable, Dict, Iterable, Optional

from spacy.language import Language
from spacy.training import Example
from spacy_transformers.annotation_setters import null_annotation_setter
from spacy_transformers.pipeline_component import Transformer
from thinc.api import Config, Model

from ..layers.task_transformer import TaskTransformerModel
from .training_record import TrainingRecord

DEFAULT_TASK_TRANSFORMER_MODEL = """
[model]
@architectures = "spacy-aioner.TaskTransformerModel.v1"
tokenizer_config = {"use_fast": true}
transformer_config = {}
mixed_precision = false
grad_scaler_config = {}

[model.name]
@misc = "spacy-aioner.offline_minilm.v1"

[model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = 128
stride = 96
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_TASK_TRANSFORMER_MODEL)["model"]


@Language.factory(
    "aioner_transformer",
    assigns=["doc._.trf_data"],
    default_config={
        "model": DEFAULT_MODEL,
        "set_extra_annotations": {"@annotation_setters": "spacy-transformers.null_annotation_setter.v1"},
        "max_batch_items": 4096,
    },
)
def make_task_transformer(
    nlp: Language, name: str, model: Model, set_extra_annotations: Callable, max_batch_items: int
) -> "TaskTransformer":
    """A transformer whose input is wrapped in the AIO task markers."""
    return TaskTransformer(nlp.vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items)


class TaskTransformer(TrainingRecord, Transformer):
    """Transformer component that tells its TaskTransformerModel which task to encode, and
    records the documents the encoder learned from (they stay with the weights when the
    component is sourced into another pipeline)."""

    def __init__(self, vocab, model: Model, set_extra_annotations: Callable = null_annotation_setter, *,
                 name: str = "aioner_transformer", max_batch_items: int = 4096):
        if not isinstance(model, TaskTransformerModel):
            raise ValueError(
                f"{name}: the aioner_transformer needs a spacy-aioner.TaskTransformerModel.v1 model, "
                f"got {model.name!r}"
            )
        super().__init__(vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items)
        self._listener_tasks: Dict[str, str] = {}  # listening aioner pipe -> its encoder task
        self.reset_training_record()

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """spacy-transformers' initialize (fresh encoder weights), with an empty record."""
        super().initialize(get_examples, nlp=nlp)
        self.reset_training_record()

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """spacy-transformers' update, recorded in `training_docs`."""
        examples = list(examples)
        losses = super().update(examples, drop=drop, sgd=sgd, losses=losses)
        self.record_training_docs(examples)
        return losses

    def find_listeners(self, component) -> None:
        """Register `component`'s listeners and, for an aioner pipe, adopt its task."""
        super().find_listeners(component)
        if not hasattr(component, "encoder_task") or component.name not in self.listener_map:
            return
        tasks = self._listener_tasks
        tasks[component.name] = component.encoder_task
        if len(set(tasks.values())) > 1:
            raise ValueError(
                f"{self.name}: aioner pipes with different tasks listen to it ({tasks}); one "
                f"encoder pass serves one task. Use one aioner pipe with tasks = [...] instead."
            )
        self.model.task_context.default = component.encoder_task
        component.attach_encoder(self.model)
