"""A pipeline's per-document entity counts on DocBin data, overall and per type, as JSON:
document_counts.py MODEL DATA OUT.json. scripts/significance.py takes such a file in place of a
pipeline, so two runs can be compared after their pipelines are gone (pipelines are not kept in
git; these files are a few kilobytes)."""
import json
from pathlib import Path

import typer

from spacy_aioner.significance import pipeline_counts


def main(model: Path, data: Path, output_json: Path):
    counts = pipeline_counts(model, data)
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(counts))
    tp, fp, fn = (sum(doc[i] for doc in counts["counts"]) for i in range(3))
    typer.echo(f"{model} on {data}: {len(counts['document_ids'])} documents, tp {tp} fp {fp} fn {fn} -> {output_json}")


if __name__ == "__main__":
    typer.run(main)
