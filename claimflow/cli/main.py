"""``claimflow`` — the console script. Sub-command groups live in sibling modules, one per area."""

from __future__ import annotations

import typer

from claimflow import __version__
from claimflow.cli import (
    audit, db, evaluate, keys, model, orchestrate, pipeline, privacy, review, rules, samples, watch,
)
from claimflow.cli.common import configure_logging

app = typer.Typer(
    name="claimflow",
    help="Insurance claims automation: read claim documents, decide them against plans, keep a verifiable audit log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG level to stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    configure_logging(verbose)


pipeline.register(app)
orchestrate.register(app)
rules.register(app)
watch.register(app)
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(samples.app, name="samples")
app.add_typer(evaluate.app, name="eval")
app.add_typer(model.app, name="model")
app.add_typer(keys.app, name="keys")
app.add_typer(review.app, name="review")
app.add_typer(privacy.app, name="privacy")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
