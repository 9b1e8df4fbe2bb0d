"""The content-addressed document store: originals are kept, byte for byte, under DATA_DIR/documents/ab/abcdef…"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from claimflow.errors import InputError, InputMissingError

CHUNK = 1 << 20


def store_original(path: Path, documents_dir: Path) -> tuple[str, Path, int]:
    """Copy ``path`` into the store (atomically, once per content). Returns (sha256, stored path, size)."""
    if not path.exists():
        raise InputMissingError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a regular file", hint="pass a document file or a folder of them")
    documents_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=documents_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        target = documents_dir / digest[:2] / digest
        if target.exists():
            os.unlink(tmp_name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            os.chmod(target, 0o440)
        return digest, target, target.stat().st_size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
