"""`claimflow process` (receive each document here, then decide WORKERS at once: in this process, or on a claimflow
server) and `claimflow extract` (OCR + fields)."""

from __future__ import annotations

import dataclasses
import getpass
from datetime import datetime
import os
from pathlib import Path

import typer
from rich.table import Table

from claimflow.cli.common import console, err_console, handle_errors, print_json_line, settings
from claimflow.errors import ClaimflowError, ExitCode, InputError, InputMissingError

DOCUMENT_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; folders walked recursively for document files (by extension; the type is checked later)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in DOCUMENT_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        else:
            out.append(p)
    return out


def _prefect_defaults(verbose: bool) -> None:
    """Embedded defaults: Prefect's local ephemeral server, quiet unless -v. Explicit environment settings win."""
    # A rejected document is an expected outcome, reported in the table below; Prefect's own task-failure logs
    # would repeat it as an ERROR with a traceback, so they show only with -v.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def register(app: typer.Typer) -> None:
    @app.command("process")
    @handle_errors
    def process_cmd(
        paths: list[Path] = typer.Argument(..., help="Claim documents, or folders of them (searched recursively)."),
        json_out: bool = typer.Option(False, "--json", help="One JSON object per document on stdout, nothing else."),
        tenant: str | None = typer.Option(None, help="Insurer the claims belong to (default CLAIMFLOW_TENANT)."),
        strict: bool = typer.Option(False, help="Exit non-zero when any document could not be decided."),
        received_on: datetime | None = typer.Option(
            None, "--received-on", formats=["%Y-%m-%d"],
            help="Date the claims were received (default today), e.g. the date stamp of a paper backlog keyed in "
            "later. Timely filing is measured against it.",
        ),
        workers: int | None = typer.Option(None, "--workers", min=1, help="Claims at once (default CLAIMFLOW_WORKERS)."),
        server: str | None = typer.Option(
            None, "--server", help="Prefect API URL where claimflow's deployments are served (default "
            "CLAIMFLOW_SERVER): claims are submitted there instead of processed here.",
        ),
        timeout: float = typer.Option(3600.0, help="With a server: seconds to wait for the claims to be decided."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's flow logs."),
    ) -> None:
        """Run the claim pipeline on documents: OCR → extraction → adjudication → audit log."""
        files = expand(paths)
        if not files:
            raise InputMissingError(", ".join(map(str, paths)), "no claim documents found")
        _prefect_defaults(verbose)
        from claimflow.cli.progress import Reporter
        from flows import dispatch, stages
        from flows.runtime import sessions_for

        s = settings()
        if workers is not None:
            s = s.model_copy(update={"workers": workers})
        ctx = stages.Context(settings=s, sessions=sessions_for(s), tenant=tenant or s.tenant, source="cli",
                             submitted_by=f"cli:{getpass.getuser()}",
                             **({"received_on": received_on.date()} if received_on else {}))
        reporter = Reporter(len(files), json_out=json_out, tty=err_console.is_terminal)
        admitted: dict[str, tuple[list[str], dispatch.Admission]] = {}  # claim id -> (its files, admission)
        with reporter:
            for f in files:
                try:
                    a = dispatch.admit(ctx, f)
                except ClaimflowError as e:  # the file could not even be kept (missing, unreadable): no claim
                    reporter.add(stages.ClaimResult(file=str(f), claim_id=None, status="failed", error_kind=e.kind,
                                                    error=str(e)))
                    continue
                if a.ref.claim_id in admitted:  # the same bytes twice in this batch: one claim, run once
                    admitted[a.ref.claim_id][0].append(str(f))
                elif a.needs_run:
                    admitted[a.ref.claim_id] = ([str(f)], a)
                else:  # decided before, refused as invalid before, or waiting for `claimflow retry`
                    reporter.add(stages.summarize(ctx, a.received, file=str(f)).named(str(f)))

            def done(claim_id: str, _status: str) -> None:
                files_of, a = admitted[claim_id]
                for i, file in enumerate(files_of):
                    received = a.received if i == 0 else dataclasses.replace(a.received, is_resubmission=True)
                    reporter.add(stages.summarize(ctx, received, file=file).named(file))

            todo = [a for _, a in admitted.values()]
            url = server or s.server
            why_not = dispatch.server_ready(url) if (todo and url) else None
            if todo and url and why_not is None:
                with dispatch.server(url):
                    for a in todo:
                        dispatch.trigger(a.ref, attempt=a.attempt)
                dispatch.wait_all(s, [a.ref for a in todo], timeout, on_done=done)
            elif todo:
                if why_not:
                    err_console.print(f"[yellow]warning[/]: {why_not}; processing here", highlight=False)
                dispatch.run_batch(s, todo, on_done=done)
        results = reporter.results_in_order([str(f) for f in files])
        if not json_out:
            console.print(_table(results))
            for r in results:
                if r.error:
                    err_console.print(f"[red]{r.error_kind}[/]: {r.error}", highlight=False, soft_wrap=True)
        if strict and any(r.outcome is None for r in results):
            raise typer.Exit(int(ExitCode.flow_failed))

    @app.command("extract")
    @handle_errors
    def extract_cmd(
        paths: list[Path] = typer.Argument(..., help="Claim documents."),
        json_out: bool = typer.Option(False, "--json", help="One Extraction per document (JSON Lines)."),
    ) -> None:
        """Read the fields off documents (OCR + extraction) without storing anything."""
        from extractors import extract_file

        s = settings()
        failed: ClaimflowError | None = None
        for f in paths:
            try:
                if not f.exists():
                    raise InputMissingError(f, "no such file")
                if f.is_dir():
                    raise InputError(f, "is a folder", hint="pass document files; `claimflow process` takes folders")
                extraction = extract_file(f, s)
            except ClaimflowError as e:
                if len(paths) == 1:
                    raise
                err_console.print(f"[bold red]error[/]: {e}", highlight=False)
                failed = failed or e
                continue
            if json_out:
                print_json_line(extraction.to_json_dict())
            else:
                console.print_json(data=extraction.to_json_dict())
        if failed is not None:
            raise typer.Exit(int(failed.exit_code))


def _table(results: list) -> Table:  # list[flows.stages.ClaimResult]
    table = Table(title="claimflow — decisions", show_lines=False, expand=False)
    for col, justify in [("file", "left"), ("member", "left"), ("total", "right"), ("outcome", "left"),
                         ("payable", "right"), ("note", "left")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    styles = {"APPROVED": "green", "PARTIALLY_APPROVED": "yellow", "DENIED": "red", "PENDING_REVIEW": "cyan"}
    for r in results:
        note = r.error_kind or r.review_queue or ""
        if r.resubmission:
            note = f"already processed{'; ' + note if note else ''}"
        outcome = r.outcome or "FAILED"
        table.add_row(
            r.file,
            r.member_id or "—",
            f"{r.total:.2f} {r.currency or ''}".strip() if r.total is not None else "—",
            f"[{styles.get(outcome, 'red')}]{outcome}[/]",
            f"{r.payable:.2f}" if r.payable is not None else "—",
            note,
        )
    return table
