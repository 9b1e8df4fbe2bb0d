"""Export bundles: everything an auditor needs to verify the log offline, and nothing else.

    DIR/MANIFEST.json                       format, logs, sizes, key name, sha256 of every file
    DIR/verify.py                           the standalone verifier (stdlib + cryptography), to read and run
    DIR/README.txt                          how to verify
    DIR/public_key.pem, public_key.vkey     the signing key's public half (use your own trusted copy!)
    DIR/logs/<log>/entries.jsonl            one entry per line: exactly the stored, hashed bytes
    DIR/logs/<log>/hashes.txt               the database's stored "<leaf hash> <chain hash>" per entry (hex)
    DIR/logs/<log>/checkpoints/<size>.checkpoint   every signed checkpoint (C2SP signed notes)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from claimflow.errors import ConflictError
from db.audit import standalone_verify as sv
from db.audit.hashing import utc_timestamp
from db.audit.source import reader

README = """claimflow audit log export
==========================

Verify it with the public key YOU trust (not only the copy in this folder) and, if you have one, the last
checkpoint file you kept from earlier:

    python3 verify.py . --pubkey /path/to/trusted/audit.pub [--checkpoint my-last.checkpoint] [--strict]

verify.py needs Python 3.11+ and the `cryptography` package (pip install cryptography). Read it: it is the whole
verifier. It recomputes every leaf hash, chain hash and Merkle root, checks every signed checkpoint, and names the
first damaged entry and the kind of damage. Exit status 0 means verified.
"""


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    logs: dict[str, int]
    checkpoints: int


def export_bundle(
    session_or_engine: Session | Engine,
    directory: Path,
    *,
    logs: list[str] | None = None,
    public_key: Path | None = None,
    key_name: str = sv.DEFAULT_KEY_NAME,
) -> ExportSummary:
    """Write a bundle of ``logs`` (default all) to ``directory`` (must be absent or empty), from one snapshot."""
    if directory.exists() and any(directory.iterdir()):
        raise ConflictError(f"{directory} is not empty", hint="export into a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    manifest_logs = []
    sizes: dict[str, int] = {}
    n_checkpoints = 0
    with reader(session_or_engine) as r:
        for log in logs or r.logs():
            base = Path("logs") / sv.safe_log_dirname(log)
            (directory / base / "checkpoints").mkdir(parents=True, exist_ok=True)
            rel = (base / "entries.jsonl").as_posix()
            hashes_rel = (base / "hashes.txt").as_posix()
            h, hh, count = hashlib.sha256(), hashlib.sha256(), 0
            with (directory / rel).open("wb") as f, (directory / hashes_rel).open("wb") as fh:
                for _, entry, leaf, chain in r.entry_rows(log):
                    line = bytes(entry) + b"\n"
                    f.write(line)
                    h.update(line)
                    hline = f"{bytes(leaf).hex()} {bytes(chain).hex()}\n".encode()
                    fh.write(hline)
                    hh.update(hline)
                    count += 1
            files[rel] = h.hexdigest()
            files[hashes_rel] = hh.hexdigest()
            cps = []
            for size, note in r.all(
                "SELECT size, signed_note FROM audit_checkpoint WHERE log = ? ORDER BY size", (log,)
            ):
                cp_rel = (base / "checkpoints" / f"{size:012d}.checkpoint").as_posix()
                (directory / cp_rel).write_text(note, encoding="utf-8")
                files[cp_rel] = hashlib.sha256(note.encode("utf-8")).hexdigest()
                cps.append(cp_rel)
            n_checkpoints += len(cps)
            sizes[log] = count
            manifest_logs.append(
                {
                    "log": log,
                    "origin": sv.origin_for(log),
                    "size": count,
                    "entries": rel,
                    "hashes": hashes_rel,
                    "checkpoints": cps,
                }
            )
    pub_rel = None
    if public_key is not None and public_key.exists():
        pub_rel = "public_key.pem"
        shutil.copyfile(public_key, directory / pub_rel)
        files[pub_rel] = _digest(directory / pub_rel)
        vkey = public_key.with_suffix(".vkey")
        if vkey.exists():
            shutil.copyfile(vkey, directory / "public_key.vkey")
            files["public_key.vkey"] = _digest(directory / "public_key.vkey")
    shutil.copyfile(Path(sv.__file__), directory / "verify.py")
    files["verify.py"] = _digest(directory / "verify.py")
    (directory / "README.txt").write_text(README, encoding="utf-8")
    files["README.txt"] = _digest(directory / "README.txt")
    manifest = {
        "format": sv.BUNDLE_FORMAT,
        "created": utc_timestamp(),
        "key_name": key_name,
        "public_key": pub_rel,
        "logs": manifest_logs,
        "files": files,
    }
    (directory / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return ExportSummary(directory, sizes, n_checkpoints)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
