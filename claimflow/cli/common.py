"""Shared CLI plumbing: one console, settings built at the edge, errors translated to exit codes in one place."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from claimflow.errors import ClaimflowError, ExitCode
from claimflow.settings import Settings

# Tables stay readable when piped (rich assumes 80 columns without a terminal).
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def settings() -> Settings:
    return Settings()


def handle_errors(fn: F) -> F:
    """Print a ClaimflowError as one clear line (no traceback) and exit with its documented code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClaimflowError as e:
            err_console.print(f"[bold red]error[/]: {e.message}", highlight=False, markup=True, soft_wrap=True)
            if e.hint:
                err_console.print(f"[dim]hint[/]: {e.hint}", highlight=False, soft_wrap=True)
            raise typer.Exit(int(e.exit_code)) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def print_json_line(obj: Any) -> None:
    """One JSON document per line on stdout (JSON Lines), for scripts."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


__all__ = ["ExitCode", "console", "err_console", "handle_errors", "print_json_line", "settings"]
