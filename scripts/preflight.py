"""Check, before a workflow trains, that every later step of it can import what it needs.

Reads the workflow's commands from project.yml, collects the Python files they run
(`python scripts/x.py`, `python -m module`), follows their imports into this package's own
modules and imports every third-party module found. A missing one is reported in one line that
names the module, the file that needs it and what to install; exit 1. Every import counts,
wherever it is, except those guarded by `try: ... except ImportError` and those of OTHER_FEATURES
(the service and the Ray engine: reachable from the CLI, but no workflow runs them).
"""
import ast
import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set

import srsly
import typer

PACKAGE = "spacy_aioner"
INSTALL_HINT = 'pip install -e ".[project]"'
# Features the CLI reaches but no workflow runs: the Ray engine and the service (their own extras,
# `ray` and `serve`). Named here, not read from the extras: a module that only a non-workflow
# extra gives (matplotlib in `test`, issue 59) must still count.
OTHER_FEATURES = {"ray": "the Ray engine", "fastapi": "the service", "uvicorn": "the service"}
SCRIPT_RE = re.compile(r"(?:^|\s)python3?\s+(\S+\.py)\b")
MODULE_RE = re.compile(r"(?:^|\s)python3?\s+-m\s+([\w.]+)")


def workflow_files(project: Dict, workflow: str, root: Path) -> List[Path]:
    """The Python files that the workflow's commands run, in order of first use."""
    workflows = project.get("workflows", {})
    if workflow not in workflows:
        raise KeyError(f"no workflow {workflow!r} in project.yml (have: {', '.join(workflows)})")
    commands = {c["name"]: c for c in project.get("commands", [])}
    files: List[Path] = []
    for name in workflows[workflow]:
        for line in commands[name].get("script", []):
            found = [root / s for s in SCRIPT_RE.findall(line)]
            found += [f for m in MODULE_RE.findall(line) for f in _module_entry_files(m)]
            files += [f for f in found if f not in files]
    return files


def _module_entry_files(module: str) -> List[Path]:
    if module.split(".")[0] != PACKAGE:
        return []  # spacy itself, or another installed tool: its own dependencies are pip's job
    path = _package_file(module)
    main = path.parent / "__main__.py" if path and path.name == "__init__.py" else None
    return [p for p in (main or path,) if p]


def _package_file(module: str):
    spec = importlib.util.find_spec(PACKAGE)
    base = Path(list(spec.submodule_search_locations)[0])
    parts = module.split(".")[1:]
    candidate = base.joinpath(*parts)
    if (candidate / "__init__.py").exists():
        return candidate / "__init__.py"
    if candidate.with_suffix(".py").exists():
        return candidate.with_suffix(".py")
    return None


def _own_files(name: str) -> List[Path]:
    """The file of this package's module `name`; for a name that is an attribute of a package
    whose `__init__` resolves attributes lazily (module `__getattr__`), all of its modules."""
    own = _package_file(name)
    if own is not None:
        return [own]
    parent = _package_file(name.rsplit(".", 1)[0])
    if parent is not None and parent.name == "__init__.py" and "def __getattr__" in parent.read_text(encoding="utf8"):
        return sorted(parent.parent.glob("*.py"))
    return []


def _guarded(node: ast.AST, parents: Dict[ast.AST, ast.AST]) -> bool:
    """Inside `try:` with an ImportError handler, or under `if TYPE_CHECKING:`."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Try) and node in parent.body:
            names = [ast.unparse(h.type) for h in parent.handlers if h.type is not None]
            if any("ImportError" in n or "ModuleNotFoundError" in n for n in names):
                return True
        if isinstance(parent, ast.If) and "TYPE_CHECKING" in ast.unparse(parent.test):
            return True
        node = parent
    return False


def imports_of(path: Path, module: str) -> Iterator[str]:
    """Absolute names imported by a file (`module` is its dotted name, for relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or _guarded(node, parents):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([node.module] if node.module else []))
        yield base
        # `from . import x` and `from pkg import submodule`: the submodules count too
        yield from (f"{base}.{alias.name}" for alias in node.names)


def required_modules(files: List[Path]) -> Dict[str, Path]:
    """Every third-party top-level module the files need (but OTHER_FEATURES), with the first
    file that needs it. Imports of this package and of sibling scripts are followed."""
    needed: Dict[str, Path] = {}
    seen: Set[Path] = set()
    queue = [(f, _module_name(f)) for f in files]
    while queue:
        path, module = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        for name in imports_of(path, module):
            top = name.split(".")[0]
            sibling = path.parent / f"{top}.py"
            if top == PACKAGE:
                queue += [(own, _module_name(own)) for own in _own_files(name)]
            elif PACKAGE not in path.parts and sibling.exists():
                queue.append((sibling, top))  # a script importing a helper script beside it
            elif top and top not in sys.stdlib_module_names and top not in OTHER_FEATURES:
                needed.setdefault(top, path)
    return needed


def _module_name(path: Path) -> str:
    parts = path.resolve().parts
    if PACKAGE in parts:
        dotted = list(parts[len(parts) - parts[::-1].index(PACKAGE) - 1:])
        dotted[-1] = dotted[-1][:-3]
        return ".".join(dotted[:-1] if dotted[-1] == "__init__" else dotted)
    return path.stem


def main(workflows: List[str] = typer.Argument(..., help="The workflows to check, e.g. all release"),
         project: Path = typer.Option(Path("project.yml"), help="The project file")):
    spec = srsly.read_yaml(project)
    try:
        files = [f for w in workflows for f in workflow_files(spec, w, project.parent)]
    except KeyError as err:
        typer.echo(f"preflight: {err.args[0]}", err=True)
        raise typer.Exit(2)
    needed = required_modules(files)
    missing = {}
    for module, needed_by in sorted(needed.items()):
        try:
            importlib.import_module(module)
        except ImportError as err:
            missing[module] = f"{module} ({needed_by.name}: {err})"
    names = "/".join(workflows)
    if missing:
        typer.echo(f"preflight: {names} would fail after training, cannot import {'; '.join(missing.values())}. "
                   f"Install: {INSTALL_HINT}", err=True)
        raise typer.Exit(1)
    typer.echo(f"preflight: {names}: the {len(needed)} third-party modules of {len(set(files))} scripts import")


if __name__ == "__main__":
    typer.run(main)
