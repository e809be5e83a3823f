"""Dev F1 of a trained pipeline with and without the abbreviation-consistency step
(scispaCy's abbreviation_detector + aioner_abbreviations appended)."""
import json
from pathlib import Path

import scispacy.abbreviation  # noqa: F401  (registers abbreviation_detector)
import spacy
import typer
from spacy.training import Example

from spacy_aioner.training_corpus import create_task_corpus


def main(model: Path, dev: Path, output: Path):
    results = {}
    for name, with_step in (("without", False), ("with", True)):
        nlp = spacy.load(model)
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
