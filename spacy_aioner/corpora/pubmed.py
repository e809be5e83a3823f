"""PubMed XML as NLM distributes it (baseline and update files, ``pubmed*.xml.gz``): one document
per ``<PubmedArticle>``, with its PMID, title and abstract.

A structured abstract's sections are joined with their labels ("BACKGROUND: ... METHODS: ..."),
as PubTator does. ``<DeleteCitation>`` PMIDs and articles without an abstract are counted in the
report's `notes` (articles without an abstract are still read: their title is annotated).
"""
from pathlib import Path
from typing import Iterator, Optional, Union

from lxml import etree

from .compression import open_binary
from .records import CorpusFormatError, CorpusReport, Passage, SourceDocument

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
ROOT_TAG = "PubmedArticleSet"


def read_pubmed(
    path: Union[str, Path], *, report: Optional[CorpusReport] = None, lenient: bool = False
) -> Iterator[SourceDocument]:
    """Stream the articles of a PubMed XML file (gzip or not); malformed XML raises
    CorpusFormatError with its line. PubMed XML carries no mentions: `lenient` changes nothing."""
    path = Path(path)
    with open_binary(path) as stream:
        events = etree.iterparse(stream, events=("end",), tag=(*ARTICLE_TAGS, "DeleteCitation"),
                                 resolve_entities=False, no_network=True, load_dtd=False)
        try:
            for _, element in events:
                if element.tag == "DeleteCitation":
                    if report is not None:
                        report.notes["deleted citations"] += len(element.findall("PMID"))
                else:
                    yield _article(path, element, report)
                element.clear(keep_tail=False)
                while element.getprevious() is not None:  # what iterparse keeps of earlier articles
                    del element.getparent()[0]
        except etree.XMLSyntaxError as err:
            raise CorpusFormatError(path, err.lineno, None, f"malformed PubMed XML: {err.msg}") from None


def _article(path: Path, element, report: Optional[CorpusReport]) -> SourceDocument:
    line = element.sourceline
    pmid = element.findtext(".//PMID")
    if not pmid or not pmid.strip():
        raise CorpusFormatError(path, line, None, f"<{element.tag}> without a PMID")
    pmid = pmid.strip()
    title = _text(element.find(".//ArticleTitle")) or _text(element.find(".//BookTitle"))
    sections = []
    for section in element.iterfind(".//Abstract/AbstractText"):
        text = _text(section)
        label = (section.get("Label") or "").strip()
        if text:
            sections.append(f"{label}: {text}" if label else text)
    abstract = " ".join(sections)
    if not abstract and report is not None:
        report.notes["articles without abstract"] += 1
    passages = [Passage(0, title, {"type": "title"}), Passage(len(title) + 1, abstract, {"type": "abstract"})]
    return SourceDocument(pmid, passages, path=path, line=line)


def _text(element) -> str:
    """The element's text with its inline markup (<i>, <sup>...) dropped, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split()) if element is not None else ""
