"""Make the configs that configs/variants.yml derives from another one (its `from` config with the
`set` values; a section given as a value replaces the whole section), so they cannot drift from
their base: make_configs.py [--check]. With --check, nothing is written: exit 1 and name every
config that differs from what variants.yml makes."""
import sys
from pathlib import Path

import srsly
import typer
from thinc.api import Config

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def made(name: str, variants: dict, folder: Path) -> str:
    """The text of config `name`: a header (its `about`, and where it comes from), then the config."""
    variant = variants[name]
    base = variant["from"]
    source = made(base, variants, folder) if base in variants else (folder / base).read_text(encoding="utf8")
    config = Config().from_str(source, interpolate=False)
    for dotted, value in variant["set"].items():
        *sections, key = dotted.split(".")
        node = config
        for section in sections:
            node = node.setdefault(section, {})
        node[key] = value
    header = [f"# {line}".rstrip() for line in variant["about"].strip().splitlines()]
    header.append(f"# Made by scripts/make_configs.py from {base} and configs/variants.yml: edit those, not this.")
    return "\n".join(header) + "\n\n" + depth_first(Config(config).to_str()) + "\n"


def depth_first(text: str) -> str:
    """thinc writes sections breadth first; a config reads best with each section's subsections
    right after it, as spaCy's own configs are written."""
    blocks = {block.split("]", 1)[0][1:]: block for block in text.strip().split("\n\n")}
    children = {name: [] for name in blocks}
    roots = []
    for name in blocks:
        parent = name.rsplit(".", 1)[0] if "." in name else None
        (children[parent] if parent in children else roots).append(name)

    def walk(name):
        yield blocks[name]
        for child in children[name]:
            yield from walk(child)

    return "\n\n".join(block for root in roots for block in walk(root))


def main(check: bool = typer.Option(False, help="Write nothing; exit 1 if a config differs"),
         folder: Path = typer.Option(CONFIGS, help="The configs folder")):
    variants = srsly.read_yaml(folder / "variants.yml")
    stale = []
    for name in variants:
        text, path = made(name, variants, folder), folder / name
        if path.exists() and path.read_text(encoding="utf8") == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf8")
            typer.echo(f"{path}: made")
    if check and stale:
        typer.echo(f"differ from configs/variants.yml: {', '.join(stale)}; run python scripts/make_configs.py", err=True)
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
