"""Add (or replace) one training's row in docs/results/runs.csv, from its evaluation report and,
if given, the time file of its `spacy train` command or the `stages.json` of a staged training
(steps, seed, peak rate, dropout and the config are read from the commands, else from the config).

  python scripts/record_run.py metrics/all.json --time metrics/all_train_time.json \
      --data "BioRED 400 x3 + 9 external lines, 20,000 tokens each" --out docs/results/runs.csv
"""
import csv
import json
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer
from spacy.util import load_config

TYPES = ("Disease", "Chemical", "Gene", "Species", "Variant", "CellLine")
COLUMNS = ["name", "config", "seed", "steps", "peak_rate", "attention_dropout", "data", "P", "R", "F",
           *[f"F_{t}" for t in TYPES], "train_minutes", "date", "note"]


def command_options(command: List[str]) -> Dict[str, str]:
    """``--key value`` pairs of a command line."""
    return {a[2:]: b for a, b in zip(command, command[1:]) if a.startswith("--") and not b.startswith("--")}


def training_settings(command: List[str], env_overrides: str = "") -> Dict[str, str]:
    """Config, steps, seed, peak rate and attention dropout of a `spacy train` command (and of
    the SPACY_CONFIG_OVERRIDES it ran under, which win, as in spaCy)."""
    config_path = next(a for a in command if a.endswith(".cfg"))
    options = {**command_options(command), **command_options(env_overrides.split())}
    config = load_config(config_path, interpolate=False) if Path(config_path).exists() else {}

    def setting(key: str, *path: str) -> str:
        if key in options:
            return options[key]
        value = config
        for part in path:
            value = value.get(part, {}) if isinstance(value, dict) else {}
        return "" if value == {} else str(value)

    # training reads training.seed, which is ${system.seed} unless a command or the config sets it
    training_seed = setting("training.seed", "training", "seed")
    seed = training_seed if training_seed and not training_seed.startswith("${") else setting("system.seed", "system", "seed")
    encoder = next((k.split(".")[1] for k in options if k.endswith("attention_probs_dropout_prob")), "aioner_transformer")
    return {
        "config": Path(config_path).name,
        "steps": setting("training.max_steps", "training", "max_steps"),
        "seed": seed,
        "peak_rate": setting("training.optimizer.learn_rate.initial_rate", "training", "optimizer", "learn_rate", "initial_rate"),
        "attention_dropout": setting(f"components.{encoder}.model.transformer_config.attention_probs_dropout_prob",
                                     "components", encoder, "model", "transformer_config", "attention_probs_dropout_prob"),
    }


def training_time(timed: dict) -> Dict[str, str]:
    """Settings, minutes and SPACY_CONFIG_OVERRIDES from the time file of `scripts/timed.py`, or
    from the `stages.json` of `scripts/train_stages.py` (steps summed over its stages, each
    stage's peak rate, each distinct stage's overrides)."""
    if "stages" not in timed:
        settings = training_settings(timed["command"], timed.get("config_overrides", ""))
        return {**settings, "train_minutes": str(round(timed["seconds"] / 60)),
                "config_overrides": timed.get("config_overrides", "")}
    stages = [timed["stages"][key] for key in sorted(timed["stages"], key=int)]
    each = [training_settings(stage["command"], stage.get("config_overrides", "")) for stage in stages]
    rates = list(dict.fromkeys(s["peak_rate"] for s in each))
    seconds = sum(stage["seconds"] for stage in stages)
    overrides = " / ".join(dict.fromkeys(stage["config_overrides"] for stage in stages if stage.get("config_overrides")))
    return {**each[0], "steps": str(sum(int(s["steps"]) for s in each)), "peak_rate": "/".join(rates),
            "train_minutes": str(round(seconds / 60)), "config_overrides": overrides}


def pct(value: Optional[float]) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def main(report: Path, out: Path = typer.Option(Path("docs/results/runs.csv")), time_file: Optional[Path] = typer.Option(None, "--time"),
         data: str = typer.Option("", help="What the training read"), name: Optional[str] = None,
         date: str = typer.Option(time.strftime("%Y-%m-%d")), note: str = "",
         settings: List[str] = typer.Option([], "--set", help="COLUMN=VALUE where the command does not say (e.g. a rate the config had then)")):
    found = json.loads(report.read_text(encoding="utf8"))
    scores = next(iter(found["results"].values()))
    row = {"name": name or found.get("name") or report.stem, "data": data, "date": date, "note": note,
           "P": pct(scores["ents_p"]), "R": pct(scores["ents_r"]), "F": pct(scores["ents_f"])}
    for etype in TYPES:
        row[f"F_{etype}"] = pct(scores.get("ents_per_type", {}).get(etype, {}).get("f"))
    if time_file is not None:
        timed = json.loads(time_file.read_text(encoding="utf8"))
        settings_and_time = training_time(timed)
        overrides = settings_and_time.pop("config_overrides")
        row.update(settings_and_time)
        if overrides:  # what makes a screened variant a variant
            row["note"] = "; ".join(part for part in (note, f"overrides: {overrides}") if part)
    for setting in settings:
        column, _, value = setting.partition("=")
        if column not in COLUMNS:
            raise typer.BadParameter(f"{column!r} is not a column of {out}", param_hint="--set")
        row[column] = value
    rows = []
    if out.exists():
        with open(out, newline="", encoding="utf8") as stream:
            rows = [r for r in csv.DictReader(stream) if r["name"] != row["name"]]
    rows.append({column: row.get(column, "") for column in COLUMNS})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf8") as stream:
        writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out}: {row['name']} F {row['F']}")


if __name__ == "__main__":
    typer.run(main)
