"""Encoder windows that follow the text: passages and lines first, sentence ends inside a long
passage, and overlapping strided windows only where no boundary is found.

spacy-transformers' strided windows (128 tokens, stride 96) encode about a quarter of every
document twice. Here each passage (a Doc's passages are joined by a newline) is one window when
it fits; a longer one is cut after the last sentence end in the window's second half, so every
token is encoded exactly once wherever the text has such boundaries.
"""
from typing import Callable, Iterable, List

from spacy.tokens import Doc, Span
from spacy_transformers.util import registry

SENTENCE_ENDS = {".", "?", "!"}


@registry.span_getters("spacy-aioner.passage_spans.v1")
def configure_passage_spans(window: int = 128, stride: int = 96) -> Callable[[Iterable[Doc]], List[List[Span]]]:
    """Windows of at most `window` tokens along passage, line and sentence boundaries; where a
    stretch has no boundary, strided windows (`stride` tokens apart) as spacy-transformers' do."""
    if not 0 < stride <= window:
        raise ValueError(f"passage_spans: need 0 < stride <= window, got window {window}, stride {stride}")

    def get_passage_spans(docs: Iterable[Doc]) -> List[List[Span]]:
        return [passage_spans(doc, window, stride) for doc in docs]

    return get_passage_spans


def passage_spans(doc: Doc, window: int, stride: int) -> List[Span]:
    spans: List[Span] = []
    start = 0
    for i, token in enumerate(doc):
        if "\n" in token.text or i == len(doc) - 1:  # a passage or line ends with this token
            spans.extend(_cut(doc, start, i + 1, window, stride))
            start = i + 1
    return spans


def _cut(doc: Doc, start: int, end: int, window: int, stride: int) -> List[Span]:
    """Windows over doc[start:end]: cut after a sentence end where one lies in the second half of
    the window, else a full window and the next one `stride` tokens on (overlapping)."""
    spans = []
    while end - start > window:
        cut = next((i + 1 for i in range(start + window - 1, start + window // 2 - 1, -1)
                    if doc[i].text in SENTENCE_ENDS and (i + 1 == end or doc[i].whitespace_ or doc[i + 1].is_space)), None)
        if cut is None:
            spans.append(doc[start : start + window])
            start += stride
        else:
            spans.append(doc[start:cut])
            start = cut
    if end > start:
        spans.append(doc[start:end])
    return spans
