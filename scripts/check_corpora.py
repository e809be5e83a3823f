"""Verify the corpus files in CORPUS_DIR against the md5 checksums of project.yml's assets
(those under --assets-dir, plus the extra test sets with --include-extra)."""
import hashlib
import sys
from pathlib import Path

import srsly
import typer


def main(corpus_dir: Path, project: Path = Path("project.yml"), include_extra: bool = False,
         assets_dir: str = typer.Option("assets/corpora", help="Check the assets whose dest is in this folder")):
    assets = srsly.read_yaml(project)["assets"]
    checked = 0
    for asset in assets:
        if asset.get("extra") and not include_extra:
            continue
        if Path(asset["dest"]).parent != Path(assets_dir) and not asset.get("extra"):
            continue
        path = corpus_dir / Path(asset["dest"]).name
        if not path.exists():
            typer.echo(f"missing: {path} (expected from {asset.get('url', asset['dest'])})", err=True)
            sys.exit(1)
        digest = hashlib.md5(path.read_bytes()).hexdigest()
        if digest != asset["checksum"]:
            typer.echo(f"checksum mismatch: {path}: {digest} != {asset['checksum']}", err=True)
            sys.exit(1)
        checked += 1
    typer.echo(f"{checked} corpus files in {corpus_dir} match their checksums")


if __name__ == "__main__":
    typer.run(main)
