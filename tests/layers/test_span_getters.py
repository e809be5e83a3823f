from spacy_aioner.layers.span_getters import configure_passage_spans
from spacy_aioner.tokenizer import blank_biomedical

TITLE = "BRCA1 and breast cancer."
ABSTRACT = " ".join(f"Sentence {i} names TP53 in HeLa cells." for i in range(40))  # 40 sentences, 8 tokens each


def covered(spans):
    return [i for span in spans for i in range(span.start, span.end)]


def test_passages_and_sentence_ends_cover_every_token_exactly_once():
    nlp = blank_biomedical()
    doc = nlp(TITLE + "\n" + ABSTRACT + "\n" + "Short last line")
    spans = configure_passage_spans(window=32, stride=24)([doc])[0]
    assert covered(spans) == list(range(len(doc)))  # each token once, in order
    assert all(len(span) <= 32 for span in spans)
    assert spans[0].text == TITLE + "\n"  # the title is its own window
    assert all(span[-1].text in {".", "\n"} or span.end == len(doc) for span in spans)
    assert len(spans) < len(configure_stride(doc, 32, 24))


def configure_stride(doc, window, stride):
    from spacy_transformers.span_getters import configure_strided_spans

    return configure_strided_spans(window, stride)([doc])[0]


def test_a_passage_without_boundaries_falls_back_to_strided_windows():
    nlp = blank_biomedical()
    doc = nlp(" ".join(["gene"] * 70))
    spans = configure_passage_spans(window=32, stride=24)([doc])[0]
    assert [(s.start, s.end) for s in spans] == [(0, 32), (24, 56), (48, 70)]
    assert set(covered(spans)) == set(range(len(doc)))


def test_short_documents_are_one_window_and_empty_ones_none():
    nlp = blank_biomedical()
    getter = configure_passage_spans(window=128, stride=96)
    short, empty = nlp("TP53 loss in HeLa cells."), nlp("")
    assert [[(s.start, s.end) for s in spans] for spans in getter([short, empty])] == [[(0, len(short))], []]
