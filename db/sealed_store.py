"""``SealedStore``: any DocumentStore, with the originals encrypted at rest.

Content addressing is unchanged: an original is named by the SHA-256 of its *plaintext* (computed before it is
sealed, kept in ``documents.sha256`` as before); the backend keeps the sealed bytes under that name (``write_object``).
Each original has its own data key (``document/<sha256>``, db/keys.py) and the blob is bound to its digest (AAD), so
a blob renamed to another digest does not open. Reads open, then verify the plaintext against the digest. Originals
stored before encryption was switched on (no sealed header) are still read, and verified, as they are.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from db import crypto
from db.engine import transaction
from db.keys import Keyring, document_subject
from db.store import DocumentStore, StoredDocument, check_source, key_for, verify


def aad(sha256: str) -> str:
    return f"document/{sha256}"


class SealedStore:
    """Seals originals into ``inner`` with ``keyring``; data keys are made in short ``sessions`` and read in short
    ``read_sessions`` (which must not wait for a writer: a caller may read an original inside its own transaction)."""

    def __init__(self, inner: DocumentStore, keyring: Keyring, sessions: sessionmaker[Session],
                 read_sessions: sessionmaker[Session] | None = None) -> None:
        self.inner = inner
        self.keyring = keyring
        self.sessions = sessions
        self.read_sessions = read_sessions or sessions

    def __repr__(self) -> str:
        return f"SealedStore({self.inner!r})"

    def put_file(self, path: Path) -> StoredDocument:
        check_source(path)
        return self.put_bytes(path.read_bytes())

    def put_bytes(self, data: bytes) -> StoredDocument:
        digest = hashlib.sha256(data).hexdigest()
        key = key_for(digest)
        if not self.inner.exists(digest):
            with transaction(self.sessions) as s:
                blob = self.keyring.seal(s, document_subject(digest), data, aad(digest))
            self.inner.write_object(digest, blob)
        return StoredDocument(sha256=digest, size=len(data), key=key)

    def read_bytes(self, sha256: str) -> bytes:
        key_for(sha256)
        blob = self.inner.read_object(sha256)
        if crypto.is_sealed(blob):
            with self.read_sessions() as s:
                blob = self.keyring.open(s, blob, aad(sha256))
        return verify(sha256, blob, where=repr(self))

    @contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """The opened original in a private temp file (0600), removed after the block."""
        data = self.read_bytes(sha256)
        fd, name = tempfile.mkstemp(prefix="claimflow-doc-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self.inner.exists(sha256)

    def delete(self, sha256: str) -> None:
        self.inner.delete(sha256)

    def write_object(self, sha256: str, data: bytes) -> None:
        self.inner.write_object(sha256, data)

    def read_object(self, sha256: str) -> bytes:
        return self.inner.read_object(sha256)
