"""Pool paired-bootstrap reports of the same A − B comparison made with different training
seeds: seed_mean.py OUT.json REPORT.json... [--samples N --seed S] (each REPORT from
scripts/significance.py). F1s and the difference are means over the seeds. When every report
keeps its per-document counts, a pooled bootstrap (the same dev documents resampled in every
seed's pair) adds the 95 % interval of that mean; otherwise the output says which lack them."""
import json
from pathlib import Path
from typing import List

import typer
from numpy import mean

from spacy_aioner.significance import describe, paired_bootstrap


def main(output_json: Path, reports: List[Path], samples: int = 10000, seed: int = 0):
    loaded = [json.loads(path.read_text()) for path in reports]
    without_counts = [str(path) for path, report in zip(reports, loaded) if "counts_a" not in report]
    summary = {"reports": [str(path) for path in reports], "runs": len(loaded)}
    if without_counts:
        summary.update({key: float(mean([report[key] for report in loaded])) for key in ("f1_a", "f1_b", "difference")})
        summary["no_interval"] = f"no per-document counts in {', '.join(without_counts)}"
        typer.echo(describe(summary))
    else:
        for path, report in zip(reports, loaded):
            if report["document_ids"] != loaded[0]["document_ids"]:
                raise SystemExit(f"{path} scores other documents (or another order) than {reports[0]}.")
        result = paired_bootstrap([r["counts_a"] for r in loaded], [r["counts_b"] for r in loaded], samples=samples, seed=seed)
        summary.update({"seed": seed, **result})
        typer.echo(describe(result))
    output_json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    typer.run(main)
