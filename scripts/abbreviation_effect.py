"""Dev F1 of a trained pipeline with and without the abbreviation-consistency step
(scispaCy's abbreviation_detector + aioner_abbreviations appended), its encoder as loaded or
quantized (`--quantize`)."""
import json
from pathlib import Path
from typing import Optional

import scispacy.abbreviation  # noqa: F401  (registers abbreviation_detector)
import spacy
import typer
from spacy.training import Example

from spacy_aioner.training_corpus import create_task_corpus


def main(model: Path, dev: Path, output: Path,
         quantize: Optional[str] = typer.Option(None, help="Load the encoder with this quantize mode (e.g. onnx-int8)")):
    results = {"quantize": quantize} if quantize else {}  # the workflow's report keeps its keys
    config = {"components": {"aioner_transformer": {"quantize": quantize}}} if quantize else {}
    for name, with_step in (("without", False), ("with", True)):
        nlp = spacy.load(model, config=config)
        if with_step:
            nlp.add_pipe("abbreviation_detector")
            nlp.add_pipe("aioner_abbreviations")
        examples = list(create_task_corpus(dev)(nlp))
        scores = nlp.evaluate([Example(eg.predicted, eg.reference) for eg in examples])
        results[name] = {"ents_p": scores["ents_p"], "ents_r": scores["ents_r"], "ents_f": scores["ents_f"],
                         "ents_per_type": scores["ents_per_type"]}
        typer.echo(f"{name} consistency step: P {100 * scores['ents_p']:.2f} R {100 * scores['ents_r']:.2f} "
                   f"F {100 * scores['ents_f']:.2f}")
    results["delta_f"] = results["with"]["ents_f"] - results["without"]["ents_f"]
    output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    typer.run(main)
