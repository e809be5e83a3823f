"""PubMed XML as NLM distributes it, and gzip-compressed inputs of every format."""
import gzip

import pytest

from spacy_aioner.corpora.formats import FORMATS, detect_format, output_name, read_corpus
from spacy_aioner.corpora.pubmed import read_pubmed
from spacy_aioner.corpora.records import CorpusFormatError, CorpusReport

# Written for these tests, in the shape of a PubMed baseline file.
PUBMED = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">101</PMID>
<Article><ArticleTitle>BRCA1 loss in <i>breast</i> cancer.</ArticleTitle>
<Abstract><AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Aspirin induced
 diabetes.</AbstractText><AbstractText Label="RESULTS">TP53 in HeLa cells.</AbstractText></Abstract>
</Article></MedlineCitation>
<PubmedData><ReferenceList><Reference><ArticleIdList><ArticleId IdType="pubmed">999</ArticleId></ArticleIdList></Reference></ReferenceList></PubmedData>
</PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">102</PMID><Article><ArticleTitle>A title alone.</ArticleTitle></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">103</PMID><Article><ArticleTitle>Plain.</ArticleTitle>
<Abstract><AbstractText>One paragraph.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>
<DeleteCitation><PMID Version="1">7</PMID><PMID Version="1">8</PMID></DeleteCitation>
</PubmedArticleSet>
"""


@pytest.fixture
def pubmed_files(tmp_path):
    plain = tmp_path / "pubmed24n0001.xml"
    plain.write_text(PUBMED, encoding="utf8")
    packed = tmp_path / "pubmed24n0002.xml.gz"
    packed.write_bytes(gzip.compress(PUBMED.encode("utf8")))
    return plain, packed


def test_pubmed_articles_titles_and_labelled_abstracts(pubmed_files):
    report = CorpusReport("pubmed", "")
    docs = list(read_pubmed(pubmed_files[0], report=report))
    assert [d.id for d in docs] == ["101", "102", "103"]
    first = docs[0]
    assert [p.text for p in first.passages] == [
        "BRCA1 loss in breast cancer.", "BACKGROUND: Aspirin induced diabetes. RESULTS: TP53 in HeLa cells."]
    assert first.passages[1].offset == len(first.passages[0].text) + 1
    assert [p.text for p in docs[1].passages] == ["A title alone.", ""]
    assert report.notes == {"deleted citations": 2, "articles without abstract": 1}


def test_gzip_is_recognised_by_its_bytes_for_every_format(pubmed_files, tmp_path):
    plain, packed = pubmed_files
    assert detect_format(plain) == detect_format(packed) == "pubmed"
    renamed = tmp_path / "no_suffix"
    renamed.write_bytes(packed.read_bytes())
    assert detect_format(renamed) == "pubmed"
    assert [d.passages for d in read_corpus(renamed)] == [d.passages for d in read_corpus(plain)]
    pubtator = "1|t|BRCA1 loss.\n1|a|In mice.\n1\t0\t5\tBRCA1\tGene\n\n"
    (tmp_path / "a.PubTator.gz").write_bytes(gzip.compress(pubtator.encode()))
    assert detect_format(tmp_path / "a.PubTator.gz") == "pubtator"
    [doc] = read_corpus(tmp_path / "a.PubTator.gz")
    assert doc.mentions[0].text == "BRCA1"
    bioc = FORMATS["bioc"]
    (tmp_path / "b.xml.gz").write_bytes(gzip.compress(
        b'<?xml version="1.0"?><collection><source/><date/><key/><document><id>5</id>'
        b'<passage><offset>0</offset><text>TP53 loss.</text></passage></document></collection>'))
    assert detect_format(tmp_path / "b.xml.gz") == "bioc"
    assert [d.id for d in bioc.read(tmp_path / "b.xml.gz")] == ["5"]


def test_output_names_drop_gz_unless_asked_and_follow_the_output_format():
    assert output_name("pubmed24n0001.xml.gz", "pubmed", "pubtator", False) == "pubmed24n0001.PubTator"
    assert output_name("pubmed24n0001.xml.gz", "pubmed", "bioc", True) == "pubmed24n0001.xml.gz"
    assert output_name("a.PubTator.gz", "pubtator", "pubtator", False) == "a.PubTator"
    assert output_name("a.PubTator", "pubtator", "bioc", True) == "a.xml.gz"


def test_malformed_and_truncated_pubmed_name_the_file(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation>\n<PMID>1</PMID>\n</Oops>", encoding="utf8")
    with pytest.raises(CorpusFormatError, match="bad.xml, line 3: malformed PubMed XML"):
        list(read_pubmed(bad))
    no_pmid = tmp_path / "no_pmid.xml"
    no_pmid.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation/></PubmedArticle></PubmedArticleSet>")
    with pytest.raises(CorpusFormatError, match="without a PMID"):
        list(read_pubmed(no_pmid))
    truncated = tmp_path / "cut.xml.gz"
    truncated.write_bytes(gzip.compress(PUBMED.encode())[:-40])
    with pytest.raises(CorpusFormatError, match="cut.xml.gz: damaged gzip file"):
        list(read_corpus(truncated))
    (tmp_path / "cut.PubTator.gz").write_bytes(gzip.compress(b"1|t|T\n1|a|A\n\n" * 200)[:-30])
    with pytest.raises(CorpusFormatError, match="cut.PubTator.gz: damaged gzip file"):
        list(read_corpus(tmp_path / "cut.PubTator.gz"))
