"""The ``aioner_abbreviations`` component: one abbreviation, one entity type per document.

After scispaCy's ``abbreviation_detector``, each short form in ``doc._.abbreviations`` knows
its long form. Each abbreviation's type is decided once, from the model's mentions as they came
in (`decide_types` states the rule): the long form's own mention, else the short forms' majority.
Every occurrence of the short form then carries that type (missed ones added, others
relabelled), and a missed long form is added. Added and relabelled mentions carry the score the
decision came from. Nothing depends on the order of ``doc._.abbreviations`` (which varies from
run to run). ``doc.ents`` is then resolved again (longest first), keeping other pipes' entities.
"""
import math
from collections import Counter, defaultdict
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, registry

from ..ents import above_threshold, add_where_free
from ..extensions import SPANS_KEY
from ..scheme import ENTITY_TYPES


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
    """One type per abbreviation: its long form's, decided once from the model's mentions."""

    def __init__(self, name: str = "aioner_abbreviations", *, spans_key: str = SPANS_KEY, add_long_forms: bool = True):
        self.name = name
        self.spans_key = spans_key
        self.add_long_forms = add_long_forms

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans or not doc._.abbreviations:
            return doc
        group = doc.spans[self.spans_key]
        mentions = [Mention(span, _score(group, i), i) for i, span in enumerate(group)]
        writes = decide_types(abbreviation_pairs(doc), mentions, add_long_forms=self.add_long_forms)
        if writes:
            self._rewrite(doc, group, mentions, writes)
        return doc

    def _rewrite(self, doc: Doc, group, mentions: List["Mention"], writes: Dict[Tuple[int, int], "Decision"]) -> None:
        """The span group with every decided offset carrying its decided type (one span per
        (start, end, label), the highest score), sorted; then doc.ents resolved again."""
        rows: Dict[Tuple[int, int, str], Tuple[Span, float, Optional[int]]] = {}

        def put(span: Span, score: float, source: Optional[int]) -> None:
            key = (span.start, span.end, span.label_)
            if key not in rows or _rank(score) > _rank(rows[key][1]):
                rows[key] = (span, score, source if key not in rows else rows[key][2])

        for m in mentions:
            decision = writes.get((m.start, m.end))
            if decision is None or m.label == decision.label:
                put(m.span, m.score, m.index)
            else:  # relabelled: the decision's score, its own kb_id and other attributes
                put(Span(doc, m.start, m.end, label=decision.label, kb_id=m.span.kb_id), decision.score, m.index)
        for (start, end), decision in sorted(writes.items()):
            if decision.add and (start, end, decision.label) not in rows:
                put(Span(doc, start, end, label=decision.label), decision.score, None)
        ordered = [rows[key] for key in sorted(rows)]
        attrs = dict(group.attrs)
        doc.spans[self.spans_key] = [span for span, _, _ in ordered]
        new_group = doc.spans[self.spans_key]
        for key, values in attrs.items():
            if isinstance(values, list) and len(values) == len(group):
                values = [values[source] if source is not None else None for _, _, source in ordered]
            new_group.attrs[key] = values
        new_group.attrs["scores"] = [score for _, score, _ in ordered]
        min_score = attrs.get("min_score")
        kept = [span for span, score, _ in ordered if above_threshold(score, min_score, span.label_)]
        doc.ents = _merge_ents(doc, kept, group)


class Mention(NamedTuple):
    span: Span
    score: float
    index: int

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end

    @property
    def label(self) -> str:
        return self.span.label_


class Decision(NamedTuple):
    """The type decided for an offset range, the score it carries, and whether a span may be
    added there when the model had none."""
    label: str
    score: float
    add: bool


def abbreviation_pairs(doc: Doc) -> List[Tuple[Tuple[int, int], List[Tuple[int, int]]]]:
    """Each long form's token offsets with the offsets of its short-form occurrences, sorted:
    scispaCy's ``doc._.abbreviations`` comes in an order that varies from run to run."""
    forms: Dict[Tuple[int, int], set] = defaultdict(set)
    for short in doc._.abbreviations:
        long_form = short._.long_form
        if long_form is not None:
            forms[(long_form.start, long_form.end)].add((short.start, short.end))
    return [(long_form, sorted(shorts)) for long_form, shorts in sorted(forms.items())]


def decide_types(pairs, mentions: List[Mention], *, add_long_forms: bool = True) -> Dict[Tuple[int, int], Decision]:
    """The type each abbreviation's offsets should carry, from the model's mentions only (never
    from a type this step wrote), so the result does not depend on the order of `pairs`:

    1. the long form's own mention (the longest mention ending where the long form ends, starting
       at most 3 tokens before or 1 after it): its type and score; among equally long ones the
       highest score, then the first type in ENTITY_TYPES order;
    2. else the mentions exactly at the short forms: the most frequent type, then the highest
       score, then ENTITY_TYPES order; the long form is then added with that type;
    3. else nothing.
    Every short-form occurrence gets the decided type (added where no mention overlaps it).
    Where two abbreviations claim the same offsets, the higher score wins, then type order."""
    writes: Dict[Tuple[int, int], Decision] = {}

    def claim(offsets: Tuple[int, int], decision: Decision) -> None:
        if offsets not in writes or _preference(decision) > _preference(writes[offsets]):
            writes[offsets] = decision

    for (long_start, long_end), shorts in pairs:
        covering = [m for m in mentions if m.end == long_end and long_start - 3 <= m.start <= long_start + 1]
        if covering:
            best = max(covering, key=lambda m: (len(m.span), _rank(m.score), -_type_order(m.label)))
            decision = Decision(best.label, best.score, True)
        else:
            short_offsets = set(shorts)
            at_short = [m for m in mentions if (m.start, m.end) in short_offsets]
            if not at_short:
                continue
            votes = Counter(m.label for m in at_short)
            top = {label: max(_rank(m.score) for m in at_short if m.label == label) for label in votes}
            label = max(votes, key=lambda t: (votes[t], top[t], -_type_order(t)))
            score = max((m.score for m in at_short if m.label == label), key=_rank)
            decision = Decision(label, score, True)
            if add_long_forms:
                claim((long_start, long_end), decision)
        for offsets in shorts:
            overlapped = any(m.start < offsets[1] and offsets[0] < m.end and (m.start, m.end) != offsets for m in mentions)
            claim(offsets, decision._replace(add=not overlapped))
    return writes


def _score(group, i: int) -> float:
    scores = group.attrs.get("scores")
    value = scores[i] if scores and i < len(scores) else None
    return float("nan") if value is None else float(value)


def _rank(score: float) -> float:
    """Scores compared with a missing one (nan) ranked lowest."""
    return -math.inf if math.isnan(score) else score


def _type_order(label: str) -> int:
    return ENTITY_TYPES.index(label) if label in ENTITY_TYPES else len(ENTITY_TYPES)


def _preference(decision: Decision) -> Tuple[float, int, str]:
    return (_rank(decision.score), -_type_order(decision.label), decision.label)


def _merge_ents(doc: Doc, spans: List[Span], previous_group) -> List[Span]:
    """Non-overlapping entities: other pipes' entities first, then our spans, longest first."""
    ours = {(s.start, s.end, s.label_) for s in previous_group}
    foreign = [e for e in doc.ents if (e.start, e.end, e.label_) not in ours]
    return add_where_free(foreign, filter_spans(spans))
