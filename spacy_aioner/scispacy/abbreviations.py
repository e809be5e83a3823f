"""The ``aioner_abbreviations`` component: one abbreviation, one entity type per document.

After scispaCy's ``abbreviation_detector``, each short form in ``doc._.abbreviations`` knows
its long form. If the long form is (the tail of) a predicted mention of type T, every
occurrence of the short form becomes a mention of type T: missed short forms are added,
short forms of another type are relabelled. If the long form was missed but the short form
was tagged, the long form is added with the short form's type. ``doc.ents`` is then
resolved again (longest first), keeping entities of other pipes.
"""
from typing import Callable, Dict, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, registry

from ..ents import above_threshold, add_where_free
from ..extensions import SPANS_KEY


@Language.factory(
    "aioner_abbreviations",
    assigns=["doc.ents", "doc.spans"],
    requires=["doc._.abbreviations"],
    default_config={"spans_key": SPANS_KEY, "add_long_forms": True},
)
def make_abbreviation_consistency(nlp: Language, name: str, spans_key: str, add_long_forms: bool):
    """Make short and long forms of each abbreviation carry the same entity type."""
    import scispacy.abbreviation  # noqa: F401  (registers abbreviation_detector and its extensions)

    return AbbreviationConsistency(name, spans_key=spans_key, add_long_forms=add_long_forms)


@registry.callbacks("spacy-aioner.scispacy_pipes.v1")
def create_scispacy_import() -> Callable:
    """``[nlp.before_creation]`` callback: imports scispaCy's pipes (it registers them on import
    only), so a saved pipeline with ``abbreviation_detector`` loads in a new process."""

    def register(lang_cls):
        import scispacy.abbreviation  # noqa: F401

        return lang_cls

    return register


def add_abbreviation_step(nlp: Language) -> Language:
    """Append ``abbreviation_detector`` and ``aioner_abbreviations`` to a trained pipeline and
    record in its config how to load them again; returns `nlp`."""
    import scispacy.abbreviation  # noqa: F401

    if "aioner_abbreviations" in nlp.pipe_names:
        return nlp
    if nlp.config["nlp"].get("before_creation") is None:  # a linker's registration imports scispaCy too
        nlp.config["nlp"]["before_creation"] = {"@callbacks": "spacy-aioner.scispacy_pipes.v1"}
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("aioner_abbreviations")
    return nlp


class AbbreviationConsistency:
    """Propagates the long form's type to every short-form occurrence (and back)."""

    def __init__(self, name: str = "aioner_abbreviations", *, spans_key: str = SPANS_KEY, add_long_forms: bool = True):
        self.name = name
        self.spans_key = spans_key
        self.add_long_forms = add_long_forms

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans or not doc._.abbreviations:
            return doc
        group = doc.spans[self.spans_key]
        spans = list(group)
        scores = list(group.attrs.get("scores", [1.0] * len(spans)))
        by_offsets: Dict[Tuple[int, int], int] = {(s.start, s.end): i for i, s in enumerate(spans)}
        changed = False
        for short in doc._.abbreviations:
            long_form: Optional[Span] = short._.long_form
            etype = _type_covering(spans, long_form) if long_form is not None else None
            if etype is None:
                etype = _type_at(spans, short)
                if etype is None or long_form is None or not self.add_long_forms:
                    continue
                if _type_covering(spans, long_form) is None and (long_form.start, long_form.end) not in by_offsets:
                    by_offsets[(long_form.start, long_form.end)] = len(spans)
                    spans.append(Span(doc, long_form.start, long_form.end, label=etype))
                    scores.append(float("nan"))
                    changed = True
                continue
            key = (short.start, short.end)
            if key in by_offsets:
                i = by_offsets[key]
                if spans[i].label_ != etype:
                    spans[i] = Span(doc, short.start, short.end, label=etype, kb_id=spans[i].kb_id)
                    changed = True
            elif not any(s.start < short.end and short.start < s.end for s in spans):
                by_offsets[key] = len(spans)
                spans.append(Span(doc, short.start, short.end, label=etype))
                scores.append(float("nan"))  # added by rule, not scored by the model
                changed = True
        if changed:
            attrs = dict(group.attrs)
            order = sorted(range(len(spans)), key=lambda k: (spans[k].start, spans[k].end, spans[k].label_))
            doc.spans[self.spans_key] = [spans[k] for k in order]
            for key, values in attrs.items():
                if isinstance(values, list) and len(values) == len(group):
                    values = values + [None] * (len(spans) - len(values))
                    values = [values[k] for k in order]
                doc.spans[self.spans_key].attrs[key] = values
            doc.spans[self.spans_key].attrs["scores"] = [scores[k] for k in order]
            min_score = attrs.get("min_score")
            doc.ents = _merge_ents(doc, [spans[k] for k in order if above_threshold(scores[k], min_score, spans[k].label_)], group)
        return doc


def _type_covering(spans: List[Span], long_form: Span) -> Optional[str]:
    """Type of the mention equal to the long form, or ending with it (the longest such)."""
    best = None
    for span in spans:
        if span.end == long_form.end and span.start <= long_form.start + 1 and span.start >= long_form.start - 3:
            if best is None or len(span) > len(best):
                best = span
    return best.label_ if best is not None else None


def _type_at(spans: List[Span], short: Span) -> Optional[str]:
    exact = [s for s in spans if s.start == short.start and s.end == short.end]
    return exact[0].label_ if exact else None


def _merge_ents(doc: Doc, spans: List[Span], previous_group) -> List[Span]:
    """Non-overlapping entities: other pipes' entities first, then our spans, longest first."""
    ours = {(s.start, s.end, s.label_) for s in previous_group}
    foreign = [e for e in doc.ents if (e.start, e.end, e.label_) not in ours]
    return add_where_free(foreign, filter_spans(spans))
