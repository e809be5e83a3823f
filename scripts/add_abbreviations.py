"""Save a trained pipeline with the abbreviation step appended (scispaCy's abbreviation_detector,
then aioner_abbreviations): add_abbreviations.py IN OUT. The saved pipeline loads with no import;
`spacy package` lists scispacy among its requirements. With --calibration-from, the aioner
pipe also takes that pipeline's calibration (the release pipeline, trained on the dev split too,
borrows the one fitted on the dev split by the `all` pipeline). With --not-held-out (the release
again), the dev scores that training wrote to meta.json are dropped and the description says why:
a package must not advertise scores on documents it was trained on."""
from typing import Optional
from pathlib import Path

import spacy
import typer

from spacy_aioner.scispacy import add_abbreviation_step

NOT_HELD_OUT = ("Trained on every annotated document, the dev split included: it has no held-out "
                "score. The same recipe without the dev split is scored by the `all` workflow.")


def main(model: Path, output: Path,
         calibration_from: Optional[Path] = typer.Option(None, help="A pipeline whose aioner calibration to copy"),
         not_held_out: bool = typer.Option(False, help="The training saw the dev split: drop its scores from meta.json")):
    nlp = add_abbreviation_step(spacy.load(model))
    if not_held_out:
        nlp.meta["performance"] = {}
        nlp.meta["description"] = " ".join(filter(None, [nlp.meta.get("description"), NOT_HELD_OUT]))
    if calibration_from:
        calibration = spacy.load(calibration_from).get_pipe("aioner").calibration
        if not calibration:
            raise typer.BadParameter(f"{calibration_from}: its aioner pipe has no calibration")
        nlp.get_pipe("aioner").set_calibration(calibration)
    nlp.to_disk(output)
    typer.echo(f"{output}: {' -> '.join(nlp.pipe_names)}")


if __name__ == "__main__":
    typer.run(main)
