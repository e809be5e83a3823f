"""Gold and silver mentions of teacher-labelled DocBins: silver_report.py TEACHER_DIR OUT.md

Reads every <corpus>.ALL.spacy of TEACHER_DIR (written by `python -m spacy_aioner teacher-label`)
and counts, per corpus and type, the gold mentions kept and the teacher's (silver) ones, from the
documents themselves (``doc.spans["aioner_silver"]`` keeps them apart); what the teacher lost
(its mentions of a type the corpus annotates, and those overlapping a gold mention of another
type) comes from teacher_report.json.
"""
import json
from collections import Counter
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

from spacy_aioner.distill import corpus_of, gold_and_silver
from spacy_aioner.scheme import ENTITY_TYPES


def main(teacher_dir: Path, out: Path):
    files = sorted(teacher_dir.glob("*.spacy"))
    if not files:
        raise SystemExit(f"silver_report.py: no .spacy file in {teacher_dir}")
    log = json.loads((teacher_dir / "teacher_report.json").read_text()) if (teacher_dir / "teacher_report.json").exists() else {}
    vocab = spacy.blank("en").vocab
    header = ("| corpus | documents | " + " | ".join(f"{t} gold / silver" for t in ENTITY_TYPES)
              + " | teacher's own-type mentions (gold used) | teacher's mentions overlapping gold (dropped) |")
    lines = [f"### Silver labels of {teacher_dir}", "", header, "|" + " --- |" * (len(ENTITY_TYPES) + 4)]
    total = {"gold": Counter(), "silver": Counter()}
    for file in files:
        docs = list(DocBin().from_disk(file).get_docs(vocab))
        counts = gold_and_silver(docs)
        corpus = corpus_of(file.name)
        own_type, overlap = (sum(log.get(corpus, {}).get(key, {}).values())
                             for key in ("teacher_dropped_gold_type", "teacher_dropped_overlap"))
        cells = [f"{counts['gold'][t]:,} / {counts['silver'][t]:,}" for t in ENTITY_TYPES]
        lines.append(f"| {corpus} | {len(docs):,} | " + " | ".join(cells) + f" | {own_type:,} | {overlap:,} |")
        for kind in total:
            total[kind] += counts[kind]
    lines += ["", "Gold: " + ", ".join(f"{t} {total['gold'][t]:,}" for t in ENTITY_TYPES) + ".",
              "Silver: " + ", ".join(f"{t} {total['silver'][t]:,}" for t in ENTITY_TYPES) + ".", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"silver report: {out}")


if __name__ == "__main__":
    typer.run(main)
