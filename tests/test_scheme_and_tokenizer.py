import pytest

from spacy_aioner.scheme import AIO, LABELS, MARKERS, TASKS, Scheme, is_valid_transition, tags_to_spans
from spacy_aioner.tokenizer import blank_biomedical
from spacy.tokens import Span


def test_inventory_matches_the_reference_vocab():
    from tests.conftest import corpus_file

    reference = corpus_file("conll", "AIO_label.vocab").read_text().split()
    assert sorted(LABELS) == sorted(reference)
    assert len(LABELS) == 19 and len(MARKERS) == 14 and len(TASKS) == 7


def test_allowed_labels_per_task():
    assert AIO.allowed_labels("Disease") == ("B-Disease", "I-Disease", "O-Disease")
    all_labels = AIO.allowed_labels("ALL")
    assert "O" in all_labels and not any(label.startswith("O-") for label in all_labels)
    assert len(all_labels) == 13
    with pytest.raises(ValueError, match="Unknown AIONER task 'Protein'"):
        AIO.allowed_labels("Protein")


def test_scheme_of_new_types_from_a_label_vocab():
    from tests.conftest import corpus_file

    vocab = corpus_file("conll", "AnEM_label.vocab")
    scheme = Scheme.from_label_file(vocab)
    assert len(scheme.entity_types) == 11 and "Multi-tissue_structure" in scheme.entity_types
    assert sorted(vocab.read_text().split()) == sorted(scheme.allowed_labels("ALL"))
    assert len(scheme.labels) == 11 * 3 + 1 and scheme.tasks[-1] == "ALL"
    assert scheme.allowed_labels("Organ") == ("B-Organ", "I-Organ", "O-Organ")
    for bad in ([], ["Cell", "Cell"], ["ALL"], ["Two words"]):
        with pytest.raises(ValueError, match="Entity types must be distinct"):
            Scheme(tuple(bad))


def test_transitions():
    assert is_valid_transition("B-Gene", "I-Gene")
    assert is_valid_transition("I-Gene", "I-Gene")
    assert not is_valid_transition("B-Disease", "I-Gene")
    assert not is_valid_transition("O", "I-Gene")


@pytest.mark.parametrize(
    "text,mention",
    [("the HNF-6 gene", "HNF-6"), ("Na(v)1.5 channels", "Na(v)1.5"), ("a G-->A change", "G-->A"),
     ("BRCA1/2 carriers", "BRCA1"), ("IL-2R)", "IL-2R")],
)
def test_biomedical_tokenizer_puts_mention_boundaries_between_tokens(text, mention):
    doc = blank_biomedical()(text)
    start = text.index(mention)
    assert doc.char_span(start, start + len(mention)) is not None


def test_tags_round_trip(nlp):
    doc = nlp("growth hormone deficiency in mice treated with aspirin")
    spans = [Span(doc, 0, 3, "Disease"), Span(doc, 4, 5, "Species"), Span(doc, 7, 8, "Chemical")]
    tags = AIO.spans_to_tags(doc, spans, "ALL")
    assert tags == ["B-Disease", "I-Disease", "I-Disease", "O", "B-Species", "O", "O", "B-Chemical"]
    assert [(s.start, s.end, s.label_) for s in tags_to_spans(doc, tags)] == [
        (0, 3, "Disease"), (4, 5, "Species"), (7, 8, "Chemical")]
    # a single-type task sees only its own type; the rest is outside for that task
    assert AIO.spans_to_tags(doc, spans, "Species") == ["O-Species"] * 4 + ["B-Species"] + ["O-Species"] * 3
    with pytest.raises(ValueError, match="Overlapping"):
        AIO.spans_to_tags(doc, spans + [Span(doc, 0, 2, "Disease")], "ALL")


def test_orphan_inside_tag_starts_a_mention(nlp):
    doc = nlp("a b c")
    assert [(s.start, s.end) for s in tags_to_spans(doc, ["O", "I-Gene", "I-Gene"])] == [(1, 3)]
