"""Save a trained pipeline with the abbreviation step appended (scispaCy's abbreviation_detector,
then aioner_abbreviations): add_abbreviations.py IN OUT. The saved pipeline loads with no import;
`spacy package` lists scispacy among its requirements; --name and --version name it as the
package will. With --dev-scores drop (the release, trained on the dev split too), the dev scores
that training wrote to meta.json are dropped and the description says why: a package must not
advertise scores on documents it was trained on."""
from pathlib import Path

import spacy
import typer

from spacy_aioner.scispacy import add_abbreviation_step

NOT_HELD_OUT = ("Trained on every annotated BioRED document, the dev split included: its BioRED "
                "scores are not held out. Its held-out scores are those on the external corpora's dev "
                "splits (the `release` profile's `evaluate`); the `all` workflow scores the same recipe on BioRED's.")


def main(model: Path, output: Path,
         dev_scores: str = typer.Option("keep", help="keep, or drop (the training saw the dev split): the dev scores in meta.json"),
         name: str = typer.Option("", help="The pipeline's name in meta.json (what `spacy package` names it)"),
         version: str = typer.Option("", help="The pipeline's version in meta.json")):
    if dev_scores not in ("keep", "drop"):
        raise typer.BadParameter(f"{dev_scores!r}: keep or drop", param_hint="--dev-scores")
    nlp = add_abbreviation_step(spacy.load(model))
    nlp.meta.update({key: value for key, value in (("name", name), ("version", version)) if value})
    if dev_scores == "drop":
        nlp.meta["performance"] = {}
        nlp.meta["description"] = " ".join(filter(None, [nlp.meta.get("description"), NOT_HELD_OUT]))
    nlp.to_disk(output)
    typer.echo(f"{output}: {' -> '.join(nlp.pipe_names)}")


if __name__ == "__main__":
    typer.run(main)
