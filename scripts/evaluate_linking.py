"""Score a pipeline's ``aioner_linker`` on a dev DocBin whose gold mentions carry identifiers.

  python scripts/evaluate_linking.py training/all/model-linked corpus/all/dev.spacy \
      metrics/linking.json metrics/linking.md

Three linkers, the same KBs: `full` (as configured), `no_abbreviations` (long forms not used)
and `exact` (the plain dictionary baseline: lower-cased exact alias, no folding, no fuzzy
match, no variant normalizer, no abbreviations). For each, per type:
- normalization accuracy given the gold mentions: the gold spans, ids removed, are linked; a
  mention is right when its identifier is one of its gold ones;
- end to end: the pipeline's own mentions (as the writers output them) linked, scored as
  document-level sets of (type, identifier) against the gold sets (BioRED's measure): P/R/F.
"""
import json
from pathlib import Path

import spacy
import typer
from spacy.tokens import Doc, DocBin, Span
from wasabi import MarkdownRenderer

from spacy_aioner.corpora.docs import doc_mentions
from spacy_aioner.linking.lexicon import split_identifiers
from spacy_aioner.scheme import ENTITY_TYPES

MODES = {
    "full": {},
    "no_abbreviations": {"resolve_abbreviations": False},
    "exact": {"fold": False, "use_ann": False, "normalize_variants": False, "resolve_abbreviations": False},
}


def gold_sets(doc: Doc) -> set:
    return {(s.label_, i) for s in doc.spans["aioner"] for i in split_identifiers(s.kb_id_, s.label_)}


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def main(model: Path, data: Path, output_json: Path, output_md: Path):
    nlp = spacy.load(model)
    if "aioner_linker" not in nlp.pipe_names:
        raise typer.BadParameter(f"{model}: no aioner_linker in {nlp.pipe_names}")
    linker = nlp.get_pipe("aioner_linker")
    gold = list(DocBin().from_disk(data).get_docs(nlp.vocab))
    abbreviations = nlp.get_pipe("abbreviation_detector") if "abbreviation_detector" in nlp.pipe_names else None

    def fresh(text, spans, attrs=None, ents=()):
        """A new Doc of `text` with these (start, end, label) spans and ents, no identifiers, and
        the abbreviations the pipeline finds (scispaCy's spans cannot be copied with a Doc)."""
        doc = nlp.make_doc(text)
        doc.spans["aioner"] = [Span(doc, start, end, label) for start, end, label in spans]
        doc.spans["aioner"].attrs.update(attrs or {})
        doc.ents = [Span(doc, start, end, label) for start, end, label in ents]
        return abbreviations(doc) if abbreviations else doc

    def spans_of(doc, group=True):
        return [(s.start, s.end, s.label_) for s in (doc.spans["aioner"] if group else doc.ents)]

    given = [(doc.text, spans_of(doc)) for doc in gold]  # the gold mentions, identifiers removed
    with nlp.select_pipes(disable=["aioner_linker"]):  # the pipeline's own mentions, not yet linked
        predicted = [(doc.text, spans_of(doc), dict(doc.spans["aioner"].attrs), spans_of(doc, group=False))
                     for doc in nlp.pipe(doc.text for doc in gold)]
    saved = {key: getattr(linker, key) for key in ("fold", "use_ann", "normalize_variants", "resolve_abbreviations")}
    report = {"model": str(model), "data": str(data), "docs": len(gold), "modes": {}}
    for mode, settings in MODES.items():
        for key, value in {**saved, **settings}.items():
            setattr(linker, key, value)
        accuracy = {t: [0, 0] for t in ENTITY_TYPES}
        misses = {t: {"none": 0, "other": 0, "examples": []} for t in ENTITY_TYPES}
        for (text, spans), ref in zip(given, gold):
            linked = linker(fresh(text, spans))
            for span, truth in zip(linked.spans["aioner"], ref.spans["aioner"]):
                ids = split_identifiers(truth.kb_id_, truth.label_)
                if ids:
                    accuracy[truth.label_][1] += 1
                    accuracy[truth.label_][0] += span.kb_id_ in ids
                    if span.kb_id_ not in ids:
                        miss = misses[truth.label_]
                        miss["other" if span.kb_id_ else "none"] += 1
                        if len(miss["examples"]) < 5:
                            miss["examples"].append({"document": ref._.aioner_doc_id, "text": span.text,
                                                     "gold": truth.kb_id_, "linked": span.kb_id_ or None})
        counts = {t: [0, 0, 0] for t in ENTITY_TYPES}
        for (text, spans, attrs, ents), ref in zip(predicted, gold):
            linked = linker(fresh(text, spans, attrs, ents))
            found = {(span.label_, i) for _, _, span in doc_mentions(linked) for i in split_identifiers(span.kb_id_, span.label_)}
            truth = gold_sets(ref)
            for t in ENTITY_TYPES:
                f, g = {x for x in found if x[0] == t}, {x for x in truth if x[0] == t}
                counts[t][0] += len(f & g)
                counts[t][1] += len(f - g)
                counts[t][2] += len(g - f)
        total = [sum(c[i] for c in counts.values()) for i in range(3)]
        right, of = sum(a[0] for a in accuracy.values()), sum(a[1] for a in accuracy.values())
        report["modes"][mode] = {
            "accuracy": {t: {"right": a[0], "mentions": a[1], "accuracy": a[0] / a[1] if a[1] else None}
                         for t, a in accuracy.items()},
            "accuracy_all": right / of if of else None,
            "misses": misses,
            "end_to_end": {t: prf(*c) for t, c in counts.items()},
            "end_to_end_all": prf(*total),
        }
    for key, value in saved.items():
        setattr(linker, key, value)
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(report, indent=1))
    output_md.write_text(to_markdown(report))
    typer.echo(to_markdown(report))


def to_markdown(report) -> str:
    rows = []
    for t in list(ENTITY_TYPES) + ["all"]:
        row = [t]
        for mode in MODES:
            m = report["modes"][mode]
            acc = m["accuracy_all"] if t == "all" else m["accuracy"][t]["accuracy"]
            e2e = m["end_to_end_all"] if t == "all" else m["end_to_end"][t]
            row += ["-" if acc is None else f"{100 * acc:.1f}", f"{100 * e2e['f']:.1f}"]
        rows.append(row)
    header = ["type"] + [f"{mode} {what}" for mode in MODES for what in ("acc", "e2e F")]
    return (f"### Linking on {report['data']} ({report['docs']} documents)\n\n"
            "acc: normalization accuracy given gold mentions; e2e F: document-level identifier F1 "
            "of the predicted mentions.\n\n" + MarkdownRenderer().table(rows, header) + "\n")


if __name__ == "__main__":
    typer.run(main)
