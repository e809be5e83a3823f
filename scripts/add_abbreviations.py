"""Save a trained pipeline with the abbreviation step appended (scispaCy's abbreviation_detector,
then aioner_abbreviations): add_abbreviations.py IN OUT. The saved pipeline loads with no import;
`spacy package` lists scispacy among its requirements."""
from pathlib import Path

import spacy
import typer

from spacy_aioner.scispacy import add_abbreviation_step


def main(model: Path, output: Path):
    nlp = add_abbreviation_step(spacy.load(model))
    nlp.to_disk(output)
    typer.echo(f"{output}: {' -> '.join(nlp.pipe_names)}")


if __name__ == "__main__":
    typer.run(main)
