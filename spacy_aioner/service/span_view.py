"""displaCy's span view of a document with its text as written.

displaCy puts a space after every token and template whitespace around every mention, so
"(HBC)" shows as "( HBC )" and "c.68_69delAG" as "c . 68_69delAG". This view keeps each
token's own whitespace, and nothing else, between tokens; the boxes, stacking and colours are
displaCy's."""
from typing import Any, Dict, List

from spacy.displacy.render import SpanRenderer
from spacy.displacy import parse_spans
from spacy.displacy.templates import TPL_SPAN, TPL_SPAN_SLICE, TPL_SPAN_START
from spacy.tokens import Doc
from spacy.util import escape_html


def _tight(template: str) -> str:
    return "".join(line.strip() for line in template.splitlines())


class TextSpanRenderer(SpanRenderer):
    """SpanRenderer whose tokens are followed by their own whitespace only."""

    def __init__(self, options: Dict[str, Any], whitespace: List[str]):
        super().__init__({**options, "template": {"span": _tight(TPL_SPAN), "slice": _tight(TPL_SPAN_SLICE),
                                                  "start": _tight(TPL_SPAN_START)}})
        self.whitespace = whitespace

    def _render_markup(self, per_token_info: List[Dict[str, Any]]) -> str:
        markup = ""
        for token, space in zip(per_token_info, self.whitespace):
            entities = sorted(token["entities"], key=lambda d: d["render_slot"])
            if entities and token["text"].strip():
                total_height = self.top_offset + self.span_label_offset + self.offset_step * (len(entities) - 1)
                markup += self.span_template.format(
                    text=escape_html(token["text"]), span_slices=self._get_span_slices(token["entities"]),
                    span_starts=self._get_span_starts(token["entities"]), total_height=total_height)
            else:
                markup += escape_html(token["text"])
            markup += escape_html(space)
        return markup


def render_spans(doc: Doc, spans_key: str, colors: Dict[str, str]) -> str:
    """The HTML of the span group `spans_key` over `doc`, inline styles only."""
    options = {"spans_key": spans_key, "colors": colors}
    renderer = TextSpanRenderer(options, [token.whitespace_ for token in doc])
    return renderer.render([parse_spans(doc, options)])
