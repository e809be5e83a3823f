"""Training in stages that survive interruptions: `spacy train` runs of `--steps` steps each, the
first from the config, every later one from the previous stage's best pipeline (the resume
config: both components sourced, a fresh schedule at `--later-rate`). A stage that finished
leaves ``stage-N/DONE``; rerunning the command skips finished stages and restarts the
interrupted one, so at most one stage is lost. The last stage's best is copied to
``OUTPUT/model-best``.

  python scripts/train_stages.py training/full --stages 3 --steps 1800 \
      -- --paths.train corpus/full_mix/train --paths.dev corpus/full/dev.spacy

Everything after ``--`` goes to every stage's `spacy train`.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import typer


def stage_command(stage: int, output: Path, config: Path, resume_config: Path, steps: int, later_rate: float,
                  extra: List[str]) -> List[str]:
    command = [sys.executable, "-m", "spacy", "train"]
    if stage == 1:
        command += [str(config)]
    else:
        command += [str(resume_config), "--paths.base_model", str(output / f"stage-{stage - 1}" / "model-best"),
                    "--training.optimizer.learn_rate.initial_rate", str(later_rate)]
    return command + ["--output", str(output / f"stage-{stage}"), "--training.max_steps", str(steps), *extra]


def main(
    output: Path,
    extra: List[str] = typer.Argument(None, help="Options for every `spacy train` (after --)"),
    stages: int = typer.Option(3, min=1),
    steps: int = typer.Option(1800, min=1, help="Steps per stage"),
    config: Path = typer.Option(Path("configs/aioner_minilm.cfg"), exists=True),
    resume_config: Path = typer.Option(Path("configs/aioner_minilm_resume.cfg"), exists=True),
    later_rate: float = typer.Option(1e-4, help="Peak learning rate of the stages after the first"),
):
    output.mkdir(parents=True, exist_ok=True)
    log = output / "stages.json"
    record = json.loads(log.read_text()) if log.exists() else {"stages": {}}
    for stage in range(1, stages + 1):
        folder = output / f"stage-{stage}"
        if (folder / "DONE").exists():
            typer.echo(f"stage {stage}: done before, skipped")
            continue
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted stage starts over
        command = stage_command(stage, output, config, resume_config, steps, later_rate, extra or [])
        typer.echo(f"stage {stage}: {' '.join(command)}")
        started = time.time()
        with open(output / f"stage-{stage}.log", "w", encoding="utf8") as stream:
            code = subprocess.call(command, stdout=stream, stderr=subprocess.STDOUT)
        if code != 0:
            typer.echo(f"stage {stage} failed (exit {code}); see {output / f'stage-{stage}.log'}", err=True)
            raise typer.Exit(code=code)
        (folder / "DONE").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
        record["stages"][str(stage)] = {"command": command, "seconds": round(time.time() - started, 1)}
        if os.environ.get("SPACY_CONFIG_OVERRIDES"):  # spaCy applies these over the stage's options
            record["stages"][str(stage)]["config_overrides"] = os.environ["SPACY_CONFIG_OVERRIDES"]
        log.write_text(json.dumps(record, indent=1))
    final = output / "model-best"
    shutil.rmtree(final, ignore_errors=True)
    shutil.copytree(output / f"stage-{stages}" / "model-best", final)
    record["seconds"] = sum(s["seconds"] for s in record["stages"].values())
    log.write_text(json.dumps(record, indent=1))
    typer.echo(f"{stages} stages done -> {final}")


if __name__ == "__main__":
    typer.run(main)
