"""Carrying each document's AIO task into training.

spaCy's Corpus reader makes a fresh predicted Doc from the reference text, so user data
such as ``doc._.aioner_task`` never reaches the encoder. This reader copies it over, for
training, for initialization and for evaluation.
"""
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.util import registry

from .extensions import install_extensions


def carry_task(nlp: Language, example: Example) -> Iterator[Example]:
    """Augmenter: give the predicted doc the reference doc's task."""
    example.predicted._.aioner_task = example.reference._.aioner_task
    yield example


@registry.readers("spacy-aioner.Corpus.v1")
def create_task_corpus(
    path: Optional[Union[str, Path]], limit: int = 0, shuffle: bool = False
) -> Callable[[Language], Iterable[Example]]:
    """spaCy's Corpus over DocBins made by ``spacy_aioner convert``, with tasks carried.

    Documents are never split by length here (that would drop the task again); the
    transformer windows long documents itself.
    """
    install_extensions()
    corpus = Corpus(path, gold_preproc=False, max_length=0, limit=limit, augmenter=carry_task, shuffle=shuffle)
    return corpus
