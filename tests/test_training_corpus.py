from spacy.tokens import DocBin
from spacy.training import Corpus

from spacy_aioner.training_corpus import create_task_corpus


def test_reader_carries_each_documents_task_to_the_predicted_doc(nlp, tmp_path):
    docbin = DocBin(store_user_data=True)
    for text, task in [("TP53 loss.", "Gene"), ("Aspirin use.", "Chemical"), ("BRCA1 in mice.", "ALL")]:
        doc = nlp(text)
        doc._.aioner_task = task
        docbin.add(doc)
    docbin.to_disk(tmp_path / "train.spacy")
    examples = list(create_task_corpus(tmp_path / "train.spacy")(nlp))
    assert [eg.predicted._.aioner_task for eg in examples] == ["Gene", "Chemical", "ALL"]
    # spaCy's own reader loses it, which is why the configs use spacy-aioner.Corpus.v1
    plain = list(Corpus(tmp_path / "train.spacy")(nlp))
    assert [eg.predicted._.aioner_task for eg in plain] == [None, None, None]
    assert [eg.reference._.aioner_task for eg in plain] == ["Gene", "Chemical", "ALL"]
