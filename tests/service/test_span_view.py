"""The page's span view shows the text as written: between tokens only their own whitespace, where
displaCy's span renderer puts a space after every token ("( HBC )", "c . 68_69delAG")."""
import html
import re

import spacy
from spacy import displacy
from spacy.tokens import Span

from spacy_aioner.service.span_view import render_spans

LABEL = re.compile(r"<span style=\"[^\"]*z-index: 10[^\"]*\">[^<]*</span>")


def shown_text(markup: str) -> str:
    """What a reader sees, without the mention labels."""
    return html.unescape(re.sub(r"<[^>]+>", "", LABEL.sub("", markup)))


def test_the_text_is_shown_as_written_with_nested_mentions_stacked():
    nlp = spacy.blank("en")
    doc = nlp("Loss of (HBC) breast cancer & c.68_69delAG, here.")
    doc.spans["shown"] = [Span(doc, 3, 4, "Gene"), Span(doc, 5, 7, "Disease"), Span(doc, 6, 7, "Disease"),
                          Span(doc, 8, 9, "Variant")]
    markup = render_spans(doc, "shown", {"Gene": "#aec7e8"})
    assert shown_text(markup).strip() == doc.text
    assert markup.count(">Disease<") == 2 and "#aec7e8" in markup and "<script" not in markup
    # what this replaces: displaCy's own view of the same spans
    stock = displacy.render(doc, style="span", options={"spans_key": "shown"}, jupyter=False)
    assert " ".join(shown_text(stock).split()) != doc.text
