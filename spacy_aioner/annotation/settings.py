"""What a run is asked for (tasks, threshold, output format), checked once, then carried by every
document it annotates (``doc._.aioner_tasks``, ``doc._.aioner_min_score``): the pipeline itself
never changes per run, so one loaded pipeline serves runs with different settings at once."""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..corpora.formats import WRITABLE
from ..layers.task_encoder import QUANTIZE_MODES
from ..scheme import TASKS

MinScore = Union[float, Dict[str, float]]
ENGINES = ("local", "ray")


class SettingsError(ValueError):
    """Settings a run cannot use; the one-line message says which and why. The CLI prints it as
    is, the service answers it (422)."""


@dataclass(frozen=True)
class RunSettings:
    """Tasks (None: the pipeline's), threshold (None: the pipe's; per type as sorted pairs, so that
    the settings are hashable) and output format (None: the input's, or JSON for the service)."""

    tasks: Optional[Tuple[str, ...]] = None
    min_score: Union[None, float, Tuple[Tuple[str, float], ...]] = None
    output_format: Optional[str] = None

    @classmethod
    def parse(cls, task: Union[None, str, Sequence[str]] = None, min_score: Optional[MinScore] = None,
              output_format: Optional[str] = None) -> "RunSettings":
        """Settings from what a user gave; SettingsError naming the bad value."""
        tasks = None if task is None else tuple([task] if isinstance(task, str) else task)
        unknown = [t for t in tasks or () if t not in TASKS]
        if unknown or tasks == ():
            raise SettingsError(f"task: {', '.join(map(repr, unknown)) or 'an empty list'} is not a task; "
                                f"choose from {', '.join(TASKS)}, or a list of them")
        if tasks is not None and len(set(tasks)) != len(tasks):
            raise SettingsError(f"task: {list(tasks)} names a task twice")
        values = min_score.values() if isinstance(min_score, dict) else [min_score]
        if min_score is not None and not all(_is_score(v) for v in values):
            raise SettingsError(f"min_score: {min_score!r} is not in [0, 1]")
        if output_format is not None and output_format not in WRITABLE:
            raise SettingsError(f"output format: {output_format!r}; choose {' or '.join(WRITABLE)}")
        score = tuple(sorted(min_score.items())) if isinstance(min_score, dict) else min_score
        return cls(tasks, score, output_format)

    @property
    def threshold(self) -> Optional[MinScore]:
        return dict(self.min_score) if isinstance(self.min_score, tuple) else self.min_score

    def check(self, nlp: Language, pipe_name: str = "aioner") -> None:
        """SettingsError unless the pipeline `nlp` can run these settings (its types, its tasks)."""
        try:
            nlp.get_pipe(pipe_name).check_run(self.tasks, self.threshold)
        except (KeyError, ValueError) as err:
            raise SettingsError(str(err)) from None

    def apply(self, doc: Doc) -> Doc:
        """`doc`, set to be annotated under these settings."""
        doc._.aioner_tasks = list(self.tasks) if self.tasks else None
        doc._.aioner_min_score = self.threshold
        return doc


def check_engine_options(engine: str, quantize: Optional[str]) -> None:
    """SettingsError unless `engine` and `quantize` are ones annotate and serve know."""
    if engine not in ENGINES:
        raise SettingsError(f"--engine {engine!r}: choose local or ray")
    if quantize not in (None, *QUANTIZE_MODES):
        raise SettingsError(f"--quantize {quantize!r}: choose one of {', '.join(QUANTIZE_MODES)}")


def _is_score(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0
