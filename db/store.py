"""The content-addressed document store: originals kept byte for byte, once per content, found by their sha256.

``DocumentStore`` is the interface; ``LocalStore`` keeps them under DATA_DIR/documents/ab/<sha256> (the default),
``S3Store`` (db/s3store.py) in an S3-compatible bucket under PREFIX/ab/<sha256>, so a worker on another machine reads
the original by digest. Both are write-once (an object that exists is never rewritten) and verify the digest on
every read: a damaged or altered original raises ``StoreIntegrityError``, never comes back as if it were good.
``open_store(settings)`` picks the backend.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from claimflow.errors import DocumentMissingError, InputError, InputMissingError, StoreError, StoreIntegrityError
from claimflow.settings import Settings

CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredDocument:
    """An original in the store. ``key`` is its place relative to the store's root (``ab/<sha256>``) — the same in
    every backend, so it is what the database keeps (``documents.stored_path``)."""

    sha256: str
    size: int
    key: str


class DocumentStore(Protocol):
    """Where originals are kept. Every method is safe to call from several threads and processes at once."""

    def put_file(self, path: Path) -> StoredDocument:
        """Keep the file's bytes (streamed, never read whole into memory). Write-once: if the content is already
        stored, nothing is written. Raises InputMissingError/InputError naming ``path`` when it cannot be read."""
        ...

    def put_bytes(self, data: bytes) -> StoredDocument:
        """Keep ``data`` (write-once, like ``put_file``)."""
        ...

    def read_bytes(self, sha256: str) -> bytes:
        """The original's bytes, verified against ``sha256`` (DocumentMissingError, StoreIntegrityError)."""
        ...

    def local_copy(self, sha256: str) -> AbstractContextManager[Path]:
        """A local file holding the verified original, for as long as the ``with`` block runs (then removed if it
        was a copy). Read it, never write it."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether an original with this digest is stored (not verified: use read_bytes/local_copy for that)."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the original (erasure). Removing one that is not there is not an error."""
        ...

    def write_object(self, sha256: str, data: bytes) -> None:
        """Keep bytes that are not the original itself (its sealed form, db/sealed_store.py) under the original's
        key. Write-once; not verified against ``sha256``."""
        ...

    def read_object(self, sha256: str) -> bytes:
        """What ``write_object`` kept under ``sha256`` (DocumentMissingError), not verified."""
        ...


def key_for(sha256: str) -> str:
    """The store-relative key of a digest, after checking it is one (a digest never becomes a path it should not)."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise StoreError(f"not a sha256 digest: {sha256!r}", hint="pass the 64 lower-case hex digits of a document")
    return f"{sha256[:2]}/{sha256}"


def check_source(path: Path) -> None:
    """The file to be stored exists and is a regular file; the error names it."""
    if not path.exists():
        raise InputMissingError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a regular file", hint="pass a document file or a folder of them")


def copy_hashing(src: BinaryIO, out: BinaryIO) -> tuple[str, int]:
    """Copy ``src`` into ``out`` in chunks; returns the sha256 and size of what was copied."""
    h = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return h.hexdigest(), size


def verify(expected: str, data: bytes, *, where: str) -> bytes:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise StoreIntegrityError(expected, actual, where=where)
    return data


class LocalStore:
    """Originals under ``root/ab/<sha256>``, read-only (0440), written by atomic link from a temp file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, sha256: str) -> Path:
        return self.root / key_for(sha256)

    def put_file(self, path: Path) -> StoredDocument:
        check_source(path)
        with path.open("rb") as src:
            return self._put(src)

    def put_bytes(self, data: bytes) -> StoredDocument:
        import io

        return self._put(io.BytesIO(data))

    def _put(self, src: BinaryIO, *, under: str | None = None) -> StoredDocument:
        """Store ``src`` under its own digest, or under ``under`` (``write_object``: bytes that are not the
        original, e.g. its ciphertext, kept at the original's key)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size = copy_hashing(src, out)
                out.flush()
                os.fsync(out.fileno())
            digest = under or digest
            key = key_for(digest)
            target = self.root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o440)
            try:
                # A hard link never replaces an existing file: the first writer wins, the others keep theirs.
                os.link(tmp_name, target)
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links: the same content may be renamed over itself
                if not target.exists():
                    os.replace(tmp_name, target)
            return StoredDocument(sha256=digest, size=size, key=key)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def read_bytes(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise DocumentMissingError(f"no stored document {sha256} in {self.root}") from None
        return verify(sha256, data, where=str(self.root))

    @contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        path = self._path(sha256)
        h = hashlib.sha256()
        try:
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
        except FileNotFoundError:
            raise DocumentMissingError(f"no stored document {sha256} in {self.root}") from None
        if h.hexdigest() != sha256:
            raise StoreIntegrityError(sha256, h.hexdigest(), where=str(self.root))
        yield path

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def write_object(self, sha256: str, data: bytes) -> None:
        """Keep ``data`` (not the original: its sealed form) under the original's key, write-once, unverified."""
        import io

        self._put(io.BytesIO(data), under=sha256)

    def read_object(self, sha256: str) -> bytes:
        """The bytes kept under ``sha256``'s key, unverified (the caller opens and verifies them)."""
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise DocumentMissingError(f"no stored document {sha256} in {self.root}") from None

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)


def open_store(settings: Settings) -> DocumentStore:
    """The document store the settings name (CLAIMFLOW_STORE). Credentials stay inside the backend's client."""
    if settings.store == "s3":
        from db.s3store import S3Store

        return S3Store.from_settings(settings)
    return LocalStore(settings.documents_dir)
