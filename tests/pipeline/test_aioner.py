import pytest
import spacy
from spacy.training import Example

from spacy_aioner.scheme import LABELS, MARKERS
from tests.conftest import assert_same_alone_and_in_threads
from tests.pipeline.conftest import TRAIN, make_examples, make_nlp, task_doc, train


def predictions(nlp, data=TRAIN):
    docs = nlp.pipe([task_doc(nlp, text, task) for text, _, task in data])
    return [[(e.text, e.label_) for e in doc.ents] for doc in docs]


def marker_after_cls(doc, nlp):
    tokenizer = nlp.get_pipe("aioner_transformer").model.tokenizer
    ids = doc._.trf_data.wordpieces.input_ids
    return [tokenizer.convert_ids_to_tokens(int(row[1])) for row in ids]


def test_overfits_a_handful_of_documents_per_task(trained):
    nlp, losses = trained
    assert losses["aioner"] < 1.0
    assert predictions(nlp) == [[(t, l) for t, l in sorted(ents, key=lambda e: text.index(e[0]))]
                                for text, ents, _ in TRAIN]


def test_task_restricts_the_labels(trained):
    nlp, _ = trained
    text = TRAIN[0][0]
    doc = nlp(task_doc(nlp, text, "Disease"))
    assert {e.label_ for e in doc.ents} <= {"Disease"}
    assert doc.spans["aioner"].attrs["tasks"] == [["Disease"]] * len(doc.spans["aioner"])


def test_switching_task_changes_the_encoder_input(trained):
    nlp, _ = trained
    for task in ("ALL", "Gene", "CellLine"):
        doc = nlp(task_doc(nlp, "TP53 loss in HeLa cells.", task))
        assert set(marker_after_cls(doc, nlp)) == {f"<{task}>"}
        row = doc._.trf_data.wordpieces.input_ids[0]
        n = int(doc._.trf_data.wordpieces.attention_mask[0].sum())
        tokenizer = nlp.get_pipe("aioner_transformer").model.tokenizer
        assert tokenizer.convert_ids_to_tokens(int(row[n - 2])) == f"</{task}>"
        assert all(a.lengths.sum() > 0 or t.is_space for t, a in zip(doc, [doc._.trf_data.align[i] for i in range(len(doc))]))


def test_mixed_tasks_in_one_batch_get_their_own_markers(trained):
    nlp, _ = trained
    tasks = ["Gene", None, "Disease", "Species"]
    docs = list(nlp.pipe([task_doc(nlp, "BRCA1 mutation causes breast cancer.", t) for t in tasks], batch_size=4))
    assert [set(marker_after_cls(d, nlp)) for d in docs] == [{"<Gene>"}, {"<ALL>"}, {"<Disease>"}, {"<Species>"}]


def test_add_pipe_task_steers_the_encoder(tiny_bert):
    nlp = make_nlp(tiny_bert, task="Disease")
    nlp.initialize()
    doc = nlp("Growth hormone deficiency in rat.")
    assert set(marker_after_cls(doc, nlp)) == {"<Disease>"}
    assert {e.label_ for e in doc.ents} <= {"Disease"}


def test_disk_round_trip_keeps_markers_and_predictions_and_load_config_sets_task(trained, tmp_path):
    nlp, _ = trained
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    assert predictions(loaded) == predictions(nlp)
    tokenizer = loaded.get_pipe("aioner_transformer").model.tokenizer
    assert tokenizer.convert_tokens_to_ids(list(MARKERS)) == nlp.get_pipe(
        "aioner_transformer").model.tokenizer.convert_tokens_to_ids(list(MARKERS))
    gene = spacy.load(tmp_path / "pipe", config={"components": {"aioner": {"task": "Gene"}}})
    doc = gene("TP53 loss in HeLa cells.")
    assert set(marker_after_cls(doc, gene)) == {"<Gene>"}
    assert [(e.text, e.label_) for e in doc.ents] == [("TP53", "Gene")]


def test_bytes_round_trip_gives_identical_predictions(trained, tiny_bert):
    nlp, _ = trained
    clone = make_nlp(tiny_bert)
    clone.initialize()
    clone.from_bytes(nlp.to_bytes())
    assert predictions(clone) == predictions(nlp)
    doc_a = nlp(TRAIN[0][0])
    doc_b = clone(TRAIN[0][0])
    assert doc_a.spans["aioner"].attrs["scores"] == pytest.approx(doc_b.spans["aioner"].attrs["scores"], abs=1e-5)


def test_empty_whitespace_and_very_long_documents(trained):
    nlp, _ = trained
    assert len(nlp("").ents) == 0
    assert len(nlp("   \n\t ").ents) == 0
    long_text = " ".join([TRAIN[0][0]] * 560)  # about 5,000 tokens, far past the 64-position encoder
    doc = nlp(long_text)
    assert len(doc) >= 5000
    assert all(doc._.trf_data.align[i].lengths.sum() > 0 for i in range(len(doc)))  # no token dropped
    assert doc._.trf_data.wordpieces.input_ids.shape[1] <= 64  # spans were split, not truncated
    assert sum(e.text == "BRCA1" for e in doc.ents) > 100
    batch = list(nlp.pipe(["", TRAIN[1][0], "  "]))
    assert [len(d.ents) for d in batch] == [0, 3, 0]


def test_several_tasks_keep_nested_mentions_in_spans(trained, tiny_bert):
    nlp, _ = trained
    multi = make_nlp(tiny_bert, tasks=["Disease", "Gene"])
    multi.initialize()
    multi.from_bytes(nlp.to_bytes())
    doc = multi(task_doc(multi, "BRCA1 mutation causes breast cancer in human patients."))
    group = doc.spans["aioner"]
    assert {task for tasks in group.attrs["tasks"] for task in tasks} == {"Disease", "Gene"}
    assert ("BRCA1", "Gene") in [(s.text, s.label_) for s in group]
    assert ("breast cancer", "Disease") in [(s.text, s.label_) for s in group]
    assert set(marker_after_cls(doc, multi)) == {"<Disease>"}  # trf_data stays the shared pass
    # a document with its own task gets that task only
    own = multi(task_doc(multi, "BRCA1 mutation causes breast cancer.", "Gene"))
    assert {task for tasks in own.spans["aioner"].attrs["tasks"] for task in tasks} <= {"Gene"}


def run_doc(nlp, text, tasks=None, min_score=None):
    doc = nlp.make_doc(text)
    doc._.aioner_tasks, doc._.aioner_min_score = tasks, min_score
    return doc


def test_tasks_and_min_score_travel_with_the_document(trained):
    """What a run (the CLI, the service) does: the tasks and threshold set on a document apply to
    that document only; the pipe is not changed."""
    nlp, _ = trained
    pipe = nlp.get_pipe("aioner")
    text = "BRCA1 mutation causes breast cancer in human patients."
    before = nlp(text)
    doc, plain = nlp.pipe([run_doc(nlp, text, ["Disease", "Gene"], 1.0), nlp.make_doc(text)])
    assert set(marker_after_cls(doc, nlp)) == {"<Disease>"}
    assert {task for tasks in doc.spans["aioner"].attrs["tasks"] for task in tasks} == {"Disease", "Gene"}
    assert doc.spans["aioner"].attrs["min_score"] == 1.0 and len(doc.ents) == 0 < len(doc.spans["aioner"])
    assert pipe.tasks == ["ALL"] and set(marker_after_cls(plain, nlp)) == {"<ALL>"}
    assert [(e.text, e.label_) for e in plain.ents] == [(e.text, e.label_) for e in before.ents]
    with pytest.raises(ValueError, match="Foo"):
        nlp(run_doc(nlp, text, ["Foo"]))
    with pytest.raises(ValueError, match="min_score"):
        nlp(run_doc(nlp, text, None, 2.0))
    with pytest.raises(ValueError, match="one or more distinct tasks"):
        pipe.check_run(["Gene", "Gene"])
    assert pipe.check_run(["Gene", "Disease"], {"Gene": 0.5}) == (["Gene", "Disease"], {"Gene": 0.5})
    assert pipe.tasks == ["ALL"] and pipe.min_score == 0.0


def test_two_threads_with_different_tasks_on_one_pipeline(trained):
    """One loaded pipeline, two threads, each with its own tasks: every document gets exactly what
    it gets alone (its markers, the tasks that found its mentions, its mentions)."""
    nlp, _ = trained
    texts = [text for text, _, _ in TRAIN] * 4
    choices = {"Gene": ["Gene"], "Disease+Chemical": ["Disease", "Chemical"]}

    def annotate(tasks):
        docs = list(nlp.pipe([run_doc(nlp, text, tasks) for text in texts], batch_size=2))
        return [(set(marker_after_cls(doc, nlp)), doc.spans["aioner"].attrs["tasks"],
                 [(s.start, s.end, s.label_) for s in doc.spans["aioner"]]) for doc in docs]

    assert_same_alone_and_in_threads(annotate, choices)


def test_existing_ents_are_kept_unless_overwrite(trained):
    nlp, _ = trained
    doc = nlp.make_doc("Aspirin induced diabetes in mice.")
    doc.ents = [doc.char_span(0, 7, label="DRUG")]
    doc = nlp(doc)
    assert doc.ents[0].label_ == "DRUG" and ("diabetes", "Disease") in [(e.text, e.label_) for e in doc.ents]
    assert ("Aspirin", "Chemical") in [(s.text, s.label_) for s in doc.spans["aioner"]]


def test_softmax_decoder_overfits(tiny_bert):
    nlp = make_nlp(tiny_bert, decoder="softmax")
    losses = train(nlp, make_examples(nlp), steps=80)
    assert losses["aioner"] < 1.0
    assert predictions(nlp)[1] == [("Aspirin", "Chemical"), ("diabetes", "Disease"), ("mice", "Species")]


def test_replace_listeners_is_refused_with_a_clear_message(trained):
    nlp, _ = trained
    with pytest.raises(NotImplementedError, match="marker tokens"):
        nlp.replace_listeners("aioner_transformer", "aioner", ["model.tok2vec"])


def test_training_doc_whose_task_missed_the_encoder_is_an_error(tiny_bert):
    nlp = make_nlp(tiny_bert)
    examples = make_examples(nlp)
    nlp.initialize(lambda: examples)
    ref = examples[2].reference  # a Gene document
    with pytest.raises(ValueError, match="spacy-aioner.Corpus.v1"):
        nlp.update([Example(nlp.make_doc(ref.text), ref)])


def test_empty_documents_in_a_training_batch_teach_nothing_and_break_nothing(tiny_bert):
    nlp = make_nlp(tiny_bert)
    examples = make_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)

    def empty():
        return Example(nlp.make_doc(""), nlp.make_doc(""))

    losses = {}
    nlp.update([empty(), examples[0], empty(), examples[1]], sgd=optimizer, losses=losses)
    assert losses["aioner"] > 0
    losses = {}
    nlp.update([empty(), empty()], sgd=optimizer, losses=losses)
    assert losses["aioner"] == 0.0


@pytest.mark.parametrize("name", ["aioner", "aioner_transformer"])
def test_the_pipe_records_the_documents_it_learned_from(tiny_bert, tmp_path, name):
    nlp = make_nlp(tiny_bert)
    examples = make_examples(nlp)
    for i, eg in enumerate(examples[:3]):
        eg.reference._.aioner_doc_id = f"PMID{i}"
    examples.append(Example(nlp.make_doc(""), nlp.make_doc("")))  # an empty document teaches nothing
    examples[-1].reference._.aioner_doc_id = "PMID_EMPTY"
    train(nlp, examples, steps=2)
    pipe = nlp.get_pipe(name)
    assert pipe.training_docs == {"PMID0": 2, "PMID1": 2, "PMID2": 2}
    assert pipe.training_examples_without_id == 4  # two documents without an id, two updates
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe").get_pipe(name)
    assert loaded.training_docs == pipe.training_docs and loaded.training_examples_without_id == 4
    nlp.initialize(lambda: examples)  # new weights, a new record
    assert pipe.training_docs == {} and pipe.training_examples_without_id == 0


def test_bad_settings_are_refused(tiny_bert):
    with pytest.raises(ValueError, match="Unknown AIONER task 'Protein'"):
        make_nlp(tiny_bert, task="Protein")
    with pytest.raises(ValueError, match="ents_rule"):
        make_nlp(tiny_bert, ents_rule="first")
    nlp = make_nlp(tiny_bert)
    assert nlp.get_pipe("aioner").labels == LABELS


def test_windows_longer_than_the_encoder_are_split_not_truncated(trained, tiny_bert):
    nlp, _ = trained
    wide = make_nlp(tiny_bert, window=400, stride=300)  # 400 tokens >> 64 positions
    wide.initialize()
    wide.from_bytes(nlp.to_bytes())
    doc = wide(" ".join([TRAIN[1][0]] * 100))
    data = doc._.trf_data
    assert data.wordpieces.input_ids.shape[1] <= 64
    assert all(data.align[i].lengths.sum() > 0 for i in range(len(doc)))
    assert len(doc.spans["aioner"]) > 0


def test_predicted_mentions_never_cross_a_line_break(nlp):
    from spacy.tokens import Span

    from spacy_aioner.pipeline.aioner import _split_at_breaks

    doc = nlp("Berberine title\nBerberine exhibits  roles")
    spans = _split_at_breaks(doc, [Span(doc, 1, 5, "Chemical"), Span(doc, 2, 4, "Gene"), Span(doc, 4, 7, "Gene")])
    assert [(s.text, s.label_) for s in spans] == [("title", "Chemical"), ("Berberine exhibits", "Chemical"),
                                                   ("Berberine", "Gene"), ("exhibits  roles", "Gene")]
    assert _split_at_breaks(nlp("no breaks here"), []) == []


def test_one_span_per_mention_whatever_the_number_of_passes_that_found_it(trained, tiny_bert):
    """Gene and ALL passes both find BRCA1, Disease and ALL the disease; Chemical and Gene
    both claim insulin: one span per (start, end, label), every task listed, best score kept."""
    from spacy_aioner.corpora.bioc import to_bioc_document
    from spacy_aioner.corpora.pubtator import format_pubtator

    nlp, _ = trained
    multi = make_nlp(tiny_bert, tasks=["Gene", "Disease", "ALL"])
    multi.initialize()
    multi.from_bytes(nlp.to_bytes())
    pipe = multi.get_pipe("aioner")
    doc = multi.make_doc("BRCA1 and insulin cause breast cancer .")
    doc._.aioner_doc_id = "1"
    ids = {label: i for i, label in enumerate(pipe.labels)}

    def tags(*labels):  # one label per token of the doc
        return [ids[label] for label in labels]

    gene = tags("B-Gene", "O-Gene", "B-Gene", "O-Gene", "O-Gene", "O-Gene", "O-Gene")
    disease = tags("O-Disease", "O-Disease", "O-Disease", "O-Disease", "B-Disease", "I-Disease", "O-Disease")
    everything = tags("B-Gene", "O", "B-Chemical", "O", "B-Disease", "I-Disease", "O")
    pipe.set_annotations([doc], [[("Gene", gene, [0.9] * 7), ("Disease", disease, [0.6] * 7),
                                  ("ALL", everything, [0.8] * 7)]])
    group = doc.spans["aioner"]
    found = [(s.text, s.label_, tasks, score) for s, tasks, score in zip(group, group.attrs["tasks"], group.attrs["scores"])]
    assert found == [("BRCA1", "Gene", ["Gene", "ALL"], pytest.approx(0.9)),
                     ("insulin", "Chemical", ["ALL"], pytest.approx(0.8)),
                     ("insulin", "Gene", ["Gene"], pytest.approx(0.9)),
                     ("breast cancer", "Disease", ["Disease", "ALL"], pytest.approx(0.8))]
    assert len(doc.ents) == 3  # insulin once, resolved by ents_rule
    mention_lines = [line for line in format_pubtator(doc).splitlines() if line.count("\t") >= 4]
    assert len(mention_lines) == len(set(mention_lines)) == 4
    annotations = [(a.locations[0].offset, a.locations[0].length, a.infons["type"])
                   for p in to_bioc_document(doc).passages for a in p.annotations]
    assert len(annotations) == len(set(annotations)) == 4


def test_min_score_keeps_low_mentions_in_the_span_group_only(trained, tiny_bert):
    from spacy_aioner.corpora.pubtator import format_pubtator

    nlp, _ = trained
    strict = make_nlp(tiny_bert, min_score={"Gene": 0.85, "Disease": 0.5})
    strict.initialize()
    strict.from_bytes(nlp.to_bytes())
    pipe = strict.get_pipe("aioner")
    ids = {label: i for i, label in enumerate(pipe.labels)}
    doc = strict.make_doc("BRCA1 and insulin cause breast cancer .")
    doc._.aioner_doc_id = "1"
    tags = [ids[t] for t in ("B-Gene", "O", "B-Chemical", "O", "B-Disease", "I-Disease", "O")]
    pipe.set_annotations([doc], [[("ALL", tags, [0.8, 1.0, 0.1, 1.0, 0.6, 0.7, 1.0])]])
    group = doc.spans["aioner"]
    assert [(s.text, round(score, 2)) for s, score in zip(group, group.attrs["scores"])] == \
        [("BRCA1", 0.8), ("insulin", 0.1), ("breast cancer", 0.6)]  # all kept, with their scores
    assert [e.text for e in doc.ents] == ["insulin", "breast cancer"]  # Gene under 0.85 left out
    assert [line.split("\t")[3] for line in format_pubtator(doc).splitlines()[2:] if line] == ["insulin", "breast cancer"]
    with pytest.raises(ValueError, match="min_score must be a number in"):
        make_nlp(tiny_bert, min_score=1.5)
    with pytest.raises(ValueError, match="unknown types"):
        make_nlp(tiny_bert, min_score={"Protein": 0.5})
