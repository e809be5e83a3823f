"""The ``aioner_transformer`` component: spacy-transformers' Transformer whose encoder input
carries the task of the ``aioner`` pipe that listens to it.

spaCy re-runs ``find_listeners`` on ``add_pipe``, on load and on initialize, so the task
given in the aioner pipe's config (``add_pipe`` or ``spacy.load(..., config=...)``) steers
the encoder with no retraining. One transformer pass serves one task: two aioner pipes with
different tasks on one transformer are refused (use the ``tasks`` setting instead). It keeps its
own record of the documents it learned from (``training_docs``), which goes with its weights.
``quantize = "int8"`` (or another of QUANTIZE_MODES, "onnx-int8" for ONNX Runtime) makes the
loaded encoder int8 for CPU inference; the weights on disk stay as they are, and such a pipe
refuses to train or to be saved.
"""
from typing import Callable, Dict, Iterable, Optional

from spacy.language import Language
from spacy.training import Example
from spacy_transformers.annotation_setters import null_annotation_setter
from spacy_transformers.pipeline_component import Transformer
from thinc.api import Config, Model

from ..layers.task_encoder import QUANTIZE_MODES, TaskTransformerModel, quantize_encoder
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
        "quantize": None,
    },
)
def make_task_transformer(
    nlp: Language, name: str, model: Model, set_extra_annotations: Callable, max_batch_items: int,
    quantize: Optional[str] = None,
) -> "TaskTransformer":
    """A transformer whose input is wrapped in the AIO task markers."""
    return TaskTransformer(nlp.vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items,
                           quantize=quantize)


class TaskTransformer(TrainingRecord, Transformer):
    """Transformer component that tells its TaskTransformerModel which task to encode, and
    records the documents the encoder learned from (they stay with the weights when the
    component is sourced into another pipeline)."""

    def __init__(self, vocab, model: Model, set_extra_annotations: Callable = null_annotation_setter, *,
                 name: str = "aioner_transformer", max_batch_items: int = 4096, quantize: Optional[str] = None):
        if not isinstance(model, TaskTransformerModel):
            raise ValueError(
                f"{name}: the aioner_transformer needs a spacy-aioner.TaskTransformerModel.v1 model, "
                f"got {model.name!r}"
            )
        if quantize not in (None, *QUANTIZE_MODES):
            raise ValueError(f"{name}: quantize must be one of {', '.join(QUANTIZE_MODES)} or null, got {quantize!r}")
        super().__init__(vocab, model, set_extra_annotations, name=name, max_batch_items=max_batch_items)
        self.quantize = quantize
        self._listener_tasks: Dict[str, str] = {}  # listening aioner pipe -> its encoder task
        self.reset_training_record()

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """spacy-transformers' initialize (fresh encoder weights), with an empty record."""
        self._refuse_training("initialize")
        super().initialize(get_examples, nlp=nlp)
        self.reset_training_record()

    def from_disk(self, path, *, exclude=tuple()):
        """Load the encoder; quantize it if the config asks."""
        super().from_disk(path, exclude=exclude)
        self._apply_quantize()
        return self

    def from_bytes(self, bytes_data, *, exclude=tuple()):
        super().from_bytes(bytes_data, exclude=exclude)
        self._apply_quantize()
        return self

    def to_disk(self, path, *, exclude=tuple()):
        self._refuse_saving()
        super().to_disk(path, exclude=exclude)

    def to_bytes(self, *, exclude=tuple()):
        self._refuse_saving()
        return super().to_bytes(exclude=exclude)

    def _apply_quantize(self) -> None:
        if self.quantize:
            quantize_encoder(self.model, self.quantize)

    def _refuse_training(self, step: str) -> None:
        if self.quantize:
            raise ValueError(f"{self.name}: quantize = {self.quantize!r} is for inference on a trained pipeline; "
                             f"{step} needs the full-precision encoder (set quantize = null to train)")

    def _refuse_saving(self) -> None:
        if self.model.quantized:
            raise ValueError(f"{self.name}: a pipeline loaded with quantize = {self.quantize!r} cannot be saved "
                             "(its weights are int8); save the pipeline loaded without it")

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """spacy-transformers' update, recorded in `training_docs`."""
        self._refuse_training("update")
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
