"""The document store in an S3-compatible bucket (AWS S3, MinIO, Ceph, …): objects PREFIX/ab/<sha256>.

Write-once: an upload is conditional (``If-None-Match: *``), so of two workers storing the same document the second
writes nothing; it also carries the content's SHA-256 (``x-amz-checksum-sha256``) for servers that check it. Every read
streams the object, hashes it and compares with the digest it was asked for. Credentials come from settings
(SecretStr) or boto3's standard chain and live only inside the client: messages name the bucket and key, nothing else.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from claimflow.errors import DocumentMissingError, StoreError, StoreIntegrityError, StoreUnavailableError
from claimflow.settings import Settings
from db.store import StoredDocument, check_source, copy_hashing, key_for, verify

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_MISSING = {"404", "NoSuchKey", "NotFound"}
_EXISTS = {"412", "PreconditionFailed", "ConditionalRequestConflict"}
_TRANSIENT = {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout",
              "RequestTimeTooSkewed"}  # fmt: skip


class S3Store:
    """Originals in ``bucket`` under ``prefix``; ``client`` is a boto3 S3 client (thread-safe, shared)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, tmp_dir: Path | None = None) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix
        self.tmp_dir = tmp_dir

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        import boto3
        from botocore.config import Config

        if not settings.s3_bucket:
            raise StoreError("CLAIMFLOW_STORE=s3 needs CLAIMFLOW_S3_BUCKET")
        secret = settings.s3_secret_access_key
        session = boto3.session.Session(
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
            region_name=settings.s3_region,
        )
        config = Config(
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            # Self-hosted endpoints (MinIO, Ceph) rarely resolve bucket.host names: address them by path.
            s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        )
        client = session.client("s3", endpoint_url=settings.s3_endpoint_url, config=config)
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _object(self, sha256: str) -> str:
        return self.prefix + key_for(sha256)

    # --- writing ------------------------------------------------------------------------------------------------

    def put_file(self, path: Path) -> StoredDocument:
        check_source(path)
        # Spool to a private copy while hashing: what is uploaded is exactly what was hashed, even if the source
        # file changes meanwhile (a watched folder, a half-copied file).
        with path.open("rb") as src, self._spool() as (spool, spool_path):
            digest, size = copy_hashing(src, spool)
            spool.flush()
            if not self.exists(digest):
                with open(spool_path, "rb") as body:
                    self._upload(digest, body, size)
        return StoredDocument(sha256=digest, size=size, key=key_for(digest))

    def put_bytes(self, data: bytes) -> StoredDocument:
        import hashlib
        import io

        digest = hashlib.sha256(data).hexdigest()
        if not self.exists(digest):
            self._upload(digest, io.BytesIO(data), len(data))
        return StoredDocument(sha256=digest, size=len(data), key=key_for(digest))

    def write_object(self, sha256: str, data: bytes) -> None:
        """Keep ``data`` (the original's sealed form) under the original's key, write-once, unverified."""
        import io

        if not self.exists(sha256):
            self._upload(sha256, io.BytesIO(data), len(data), checksum=False)

    def read_object(self, sha256: str) -> bytes:
        body = self._call("get_object", sha256, Bucket=self.bucket, Key=self._object(sha256))["Body"]
        try:
            return self._read_body(sha256, body.read)  # type: ignore[no-any-return]
        finally:
            body.close()

    def _upload(self, digest: str, body: BinaryIO, size: int, *, checksum: bool = True) -> None:
        key = self._object(digest)
        args = {
            "Bucket": self.bucket, "Key": key, "Body": body, "ContentLength": size,
            "ContentType": "application/octet-stream",
            "IfNoneMatch": "*",
        }  # fmt: skip
        if checksum:  # the body is the original: S3 checks it against its digest
            args["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(digest)).decode("ascii")
        try:
            self._call("put_object", digest, **args)
        except StoreError as e:
            code = _code(e.__cause__)
            if code in _EXISTS:
                return  # another worker stored the same content first: write-once holds
            if code != "NotImplemented":
                raise
            # A server without conditional writes: the object is absent (checked just before) and content-addressed,
            # so a racing writer could only write the same bytes.
            body.seek(0)
            del args["IfNoneMatch"]
            self._call("put_object", digest, **args)

    # --- reading ------------------------------------------------------------------------------------------------

    def read_bytes(self, sha256: str) -> bytes:
        body = self._call("get_object", sha256, Bucket=self.bucket, Key=self._object(sha256))["Body"]
        try:
            return verify(sha256, self._read_body(sha256, body.read), where=self.where)
        finally:
            body.close()

    @contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        body = self._call("get_object", sha256, Bucket=self.bucket, Key=self._object(sha256))["Body"]
        with self._spool() as (spool, spool_path):
            try:
                actual, _size = self._read_body(sha256, lambda: copy_hashing(body, spool))
            finally:
                body.close()
            spool.close()
            if actual != sha256:
                raise StoreIntegrityError(sha256, actual, where=self.where)
            os.chmod(spool_path, 0o400)
            yield spool_path

    def exists(self, sha256: str) -> bool:
        try:
            self._call("head_object", sha256, Bucket=self.bucket, Key=self._object(sha256))
        except DocumentMissingError:
            return False
        return True

    def delete(self, sha256: str) -> None:
        self._call("delete_object", sha256, Bucket=self.bucket, Key=self._object(sha256))

    # --- plumbing -----------------------------------------------------------------------------------------------

    @contextmanager
    def _spool(self) -> Iterator[tuple[BinaryIO, Path]]:
        """A private temp file (0600), removed afterwards whatever happens."""
        fd, name = tempfile.mkstemp(prefix="claimflow-doc-", dir=self.tmp_dir)
        try:
            with os.fdopen(fd, "w+b") as f:
                yield f, Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    def _read_body(self, sha256: str, read: Any) -> Any:
        from botocore.exceptions import BotoCoreError

        try:
            return read()
        except BotoCoreError as e:  # the connection broke while streaming
            raise StoreUnavailableError(f"reading document {sha256} from {self.where} failed: {type(e).__name__}") from e

    def _call(self, operation: str, sha256: str, **kwargs: Any) -> Any:
        """One S3 request, its failures translated: missing → DocumentMissingError, outages → StoreUnavailableError,
        anything else (no bucket, access denied, no credentials) → StoreError. Messages never carry credentials."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as e:
            code = _code(e)
            if code in _MISSING:
                raise DocumentMissingError(f"no stored document {sha256} in {self.where}") from e
            if code in _TRANSIENT:
                raise StoreUnavailableError(f"{self.where} answered {code} to {operation} of {sha256}") from e
            raise StoreError(f"{self.where} refused {operation} of {sha256}: {code}") from e
        except (NoCredentialsError, PartialCredentialsError) as e:
            raise StoreError(f"no credentials for {self.where}",
                             hint="set CLAIMFLOW_S3_ACCESS_KEY_ID and CLAIMFLOW_S3_SECRET_ACCESS_KEY, or configure "
                                  "the standard AWS credential chain") from e  # fmt: skip
        except BotoCoreError as e:  # endpoint unreachable, timeouts, broken connections
            raise StoreUnavailableError(f"{self.where} unreachable during {operation}: {type(e).__name__}") from e


def _code(error: BaseException | ClientError | None) -> str:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))

