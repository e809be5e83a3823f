"""The ``python -m spacy_aioner`` command line."""
import typer

app = typer.Typer(help="All-in-one biomedical NER for spaCy", no_args_is_help=True)


@app.callback()
def main() -> None:
    """All-in-one biomedical NER for spaCy: convert corpora, annotate collections."""


from . import annotate, convert, kb, serve, teacher  # noqa: E402,F401  (registers the commands)
