"""`claimflow audit ...`: keys, checkpoints, verification, export, proofs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from claimflow.cli.common import console, err_console, handle_errors, print_json_line, settings

app = typer.Typer(
    help="The tamper-evident audit log: keys, checkpoints, verification, export, proofs.", no_args_is_help=True
)

PROGRESS_MIN_ENTRIES = 20_000

PubkeyOpt = typer.Option(None, "--pubkey", help="Trusted public key (PEM or C2SP verifier key). Default: beside the signing key.")
CheckpointOpt = typer.Option(None, "--checkpoint", help="A checkpoint file you kept outside the database (repeatable).")


def _engine():  # type: ignore[no-untyped-def]
    from db.engine import make_engine
    from db.migrate import upgrade

    s = settings()
    engine = make_engine(s.db_url)
    upgrade(engine, settings=s)
    return engine


def _default_pubkey(pubkey: Path | None) -> Path | None:
    if pubkey is not None:
        return pubkey
    candidate = settings().signing_key.with_suffix(".pub")
    if candidate.exists():
        err_console.print(f"[dim]using public key {candidate} (pass --pubkey with the copy you trust)[/]")
        return candidate
    return None


def _print_report(report: Any, as_json: bool) -> None:  # report: db.audit.standalone_verify.Report
    from claimflow.errors import AuditVerificationError

    if as_json:
        print_json_line(report.to_dict())
    else:
        for warning in report.warnings + [w for lr in report.logs for w in lr.warnings]:
            err_console.print(f"[yellow]warning[/]: {warning}", highlight=False)
        for lr in report.logs:
            for cp in lr.checkpoints:
                if cp.get("signed_by"):
                    console.print(f"{lr.log}: checkpoint size {cp['size']} signed by {', '.join(cp['signed_by'])}",
                                  highlight=False)
        if report.ok:
            console.print(f"[green]{report.summary()}[/]", highlight=False)
    if not report.ok:
        p = report.first_problem
        raise AuditVerificationError(
            f"audit log {p.log!r} does not verify: first bad seq {p.seq}, {p.damage}: {p.message}",
            seq=p.seq,
            damage=p.damage,
            log=p.log,
        )


def _verify_errors():  # type: ignore[no-untyped-def]
    from db.audit.standalone_verify import VerifyError

    return VerifyError


@app.command("keygen")
@handle_errors
def keygen_cmd(
    force: bool = typer.Option(False, "--force", help="Replace an existing key (old checkpoints stay verifiable only with the old public key)."),
    name: str = typer.Option("claimflow.audit", "--name", help="Key name in signatures (no spaces or '+')."),
) -> None:
    """Generate the Ed25519 checkpoint signing key (CLAIMFLOW_SIGNING_KEY_PATH, mode 0600) and its public key."""
    from db.audit.checkpoint import keygen

    key = settings().signing_key
    pub, vkey_path, vkey = keygen(key, name=name, overwrite=force)
    console.print(f"private key: {key} (mode 0600; keep it outside the database and back it up)")
    console.print(f"public key:  {pub}\nverifier key: {vkey_path}\n  {vkey}")
    console.print("give the public key to your auditors")


@app.command("checkpoint")
@handle_errors
def checkpoint_cmd(
    log: str | None = typer.Option(None, "--log", help="Only this log (default: every log)."),
    out: Path | None = typer.Option(None, "--out", help="Also write checkpoint files here (default DATA_DIR/checkpoints)."),
) -> None:
    """Sign a checkpoint of each log now and write it to the database and as a file."""
    from db.audit import checkpoint as ckp
    from db.audit.source import reader
    from db.engine import session_factory, transaction

    s = settings()
    key = ckp.load_private_key(s.signing_key)
    engine = _engine()
    with reader(engine) as r:
        logs = [log] if log else r.logs()
    target = out or s.data_dir / "checkpoints"
    for name in logs:
        with transaction(session_factory(engine)) as session:
            cp = ckp.create_checkpoint(session, log=name, key=key, key_name=ckp.key_name_for(s.signing_key))
        if cp is None:
            console.print(f"{name}: empty log, nothing to sign")
            continue
        path = ckp.write_checkpoint_file(cp, target)
        console.print(f"{name}: signed size {cp.size} root {cp.root.hex()} -> {path}")


@app.command("verify")
@handle_errors
def verify_cmd(
    log: str | None = typer.Option(None, "--log", help="Only this log (default: every log)."),
    checkpoint: list[Path] | None = CheckpointOpt,
    pubkey: list[Path] | None = typer.Option(
        None, "--pubkey", help="Trusted public key (PEM or C2SP verifier key; repeatable: after a signing-key rotation "
        "give the old and the new key — any of them may have signed a checkpoint). Default: beside the signing key."),
    strict: bool = typer.Option(False, "--strict", help="Also require canonical entries, a public key and a checkpoint."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    records: bool = typer.Option(False, "--records", help="Also check stored extractions/decisions against their logged digests."),
) -> None:
    """Recompute every hash, root and signature; exit 13 naming the first bad seq and the kind of damage."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from claimflow.errors import AuditError
    from db.audit.verify import verify_database

    engine = _engine()
    tasks: dict[str, Any] = {}
    with Progress(
        TextColumn("verifying {task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, disable=as_json, transient=True,
    ) as bar:

        def progress(name: str, done: int, total: int) -> None:
            if total < PROGRESS_MIN_ENTRIES:
                return
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        try:
            report = verify_database(
                engine, log=log, checkpoint=checkpoint or None, pubkey=pubkey or _default_pubkey(None), strict=strict,
                progress=progress,
            )
        except (_verify_errors(), OSError) as e:
            raise AuditError(f"cannot verify: {e}") from e
    if records:
        from db.audit.records import verify_records

        erased: list[str] = []
        report.problems.extend(verify_records(engine, log=log, opener=_record_opener(), erased=erased))
        report.warnings.extend(erased)
    _print_report(report, as_json)


def _record_opener():  # type: ignore[no-untyped-def]
    from flows.privacy import record_opener

    return record_opener(settings())


@app.command("export")
@handle_errors
def export_cmd(
    directory: Path = typer.Argument(..., help="New or empty folder for the bundle."),
    log: list[str] | None = typer.Option(None, "--log", help="Only these logs (repeatable; default: every log)."),
    sign: bool = typer.Option(True, "--sign/--no-sign", help="Sign a fresh checkpoint first so the bundle is fully covered."),
) -> None:
    """Export entries (JSON Lines), checkpoints, the public key, a manifest and the standalone verifier."""
    from db.audit import checkpoint as ckp
    from db.audit.export import export_bundle
    from db.audit.source import reader
    from db.engine import session_factory, transaction

    s = settings()
    engine = _engine()
    if sign:
        if s.signing_key.exists():
            key = ckp.load_private_key(s.signing_key)
            with reader(engine) as r:
                names = log or r.logs()
            for name in names:
                with transaction(session_factory(engine)) as session:
                    ckp.create_checkpoint(session, log=name, key=key, key_name=ckp.key_name_for(s.signing_key))
        else:
            err_console.print("[yellow]warning[/]: no signing key; the bundle holds only the existing checkpoints")
    summary = export_bundle(
        engine, directory, logs=log or None, public_key=s.signing_key.with_suffix(".pub"),
        key_name=ckp.key_name_for(s.signing_key),
    )
    for name, size in summary.logs.items():
        console.print(f"{name}: {size} entries")
    console.print(f"{summary.checkpoints} checkpoints -> {directory}; verify with: python3 {directory}/verify.py {directory} --pubkey YOUR_COPY.pub")


@app.command("verify-bundle")
@handle_errors
def verify_bundle_cmd(
    directory: Path = typer.Argument(..., help="An export bundle."),
    checkpoint: list[Path] | None = CheckpointOpt,
    pubkey: list[Path] | None = typer.Option(None, "--pubkey", help="Trusted public key (default: the bundle's own, with a warning)."),
    strict: bool = typer.Option(False, "--strict"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Verify an export bundle offline (the same logic as the bundle's own verify.py)."""
    from claimflow.errors import AuditError
    from db.audit import standalone_verify as sv

    try:
        keys = [sv.load_public_key(p) for p in pubkey] if pubkey else None
        report = sv.verify_bundle(directory, keys=keys, checkpoints=checkpoint or [], strict=strict)
    except (sv.VerifyError, OSError) as e:
        raise AuditError(f"cannot verify {directory}: {e}") from e
    _print_report(report, as_json)


@app.command("prove")
@handle_errors
def prove_cmd(
    claim: str = typer.Option(..., "--claim", help="Claim id."),
    log: str | None = typer.Option(None, "--log"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the proof here (default: stdout)."),
) -> None:
    """A claim's audit entries with RFC 6962 inclusion proofs against the latest signed checkpoint."""
    from db.audit.proofs import prove_claim

    doc = prove_claim(_engine(), claim, log=log)
    _emit(doc, out)
    if doc["pending"]:
        err_console.print(f"[yellow]warning[/]: seq {doc['pending']} are newer than the checkpoint; sign one and prove again")


@app.command("consistency")
@handle_errors
def consistency_cmd(
    old: Path = typer.Option(..., "--old", help="The older checkpoint file."),
    new: Path | None = typer.Option(None, "--new", help="The newer checkpoint file (default: the latest signed one)."),
    out: Path | None = typer.Option(None, "--out", "-o"),
) -> None:
    """A consistency proof: the log at the old checkpoint is a prefix of the log at the new one."""
    from claimflow.errors import AuditError
    from db.audit import standalone_verify as sv
    from db.audit.proofs import prove_consistency

    try:
        old_note = old.read_text(encoding="utf-8")
        new_note = new.read_text(encoding="utf-8") if new else None
        doc = prove_consistency(_engine(), old_note=old_note, new_note=new_note)
    except OSError as e:
        raise AuditError(f"cannot read checkpoint {e.filename}: {e.strerror}") from e
    except sv.VerifyError as e:
        raise AuditError(f"not a checkpoint: {e}") from e
    _emit(doc, out)


@app.command("verify-proof")
@handle_errors
def verify_proof_cmd(
    proof: Path = typer.Argument(..., help="A proof from `prove` or `consistency`."),
    pubkey: Path | None = PubkeyOpt,
) -> None:
    """Check every part of an inclusion or consistency proof against a trusted public key."""
    from claimflow.errors import AuditError, AuditVerificationError
    from db.audit import standalone_verify as sv

    key = _default_pubkey(pubkey)
    if key is None:
        raise AuditError("a public key is needed", hint="pass --pubkey with the key you trust")
    try:
        doc = json.loads(proof.read_text(encoding="utf-8"))
        lines = sv.verify_proof_document(doc, [sv.load_public_key(key)])
    except (sv.VerifyError, ValueError, KeyError, TypeError, OSError) as e:
        raise AuditVerificationError(f"proof {proof} does not verify: {e}", damage="bad_proof") from e
    for line in lines:
        console.print(f"[green]ok[/] {line}", highlight=False)


def _emit(doc: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(doc, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"written to {out}")
