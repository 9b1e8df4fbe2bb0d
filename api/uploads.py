"""Reading a claim submission: the multipart parts, limits, content sniffing — before anything is stored.

Each ``documents`` part is copied into a private temporary folder under a generated name (the client's file name is
never used as a path), counted against CLAIMFLOW_MAX_FILE_BYTES while it is copied, and identified from its bytes by
``extractors.ocr.detect`` (type, pages, pixels per page, encryption, damage) — the Content-Type of the part and its
name are ignored. Any refusal raises before the store or the database is touched; the temporary folder is removed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from claimflow.errors import InputError, InputTooLargeError, LimitExceededError, RequestError
from claimflow.settings import Settings

from api.schemas import ClaimMetadataIn

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Upload:
    path: Path  # in the temporary folder, under a generated name
    name: str  # the client's base name, sanitised: shown back and kept as metadata, never used as a path
    sha256: str


@dataclass(frozen=True)
class Submission:
    documents: list[Upload]
    metadata: ClaimMetadataIn
    folder: Path

    @property
    def request_sha256(self) -> str:
        """What an Idempotency-Key is bound to: the documents in order and the metadata."""
        body = json.dumps({"documents": [d.sha256 for d in self.documents],
                           "metadata": self.metadata.model_dump(mode="json")}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def safe_name(raw: str | None, ordinal: int) -> str:
    base = re.split(r"[\\/]", raw or "")[-1]
    base = _UNSAFE.sub("_", base).strip(" .")[:100]
    return base or f"document-{ordinal}"


async def read_submission(request: Request, settings: Settings) -> Submission:
    """Parse and check a ``POST /v1/claims`` body. The caller must ``cleanup()`` the result."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise RequestError("send the claim as multipart/form-data with one or more `documents` parts",
                           hint="curl -F documents=@bill.pdf …")
    limit = settings.max_documents_per_claim
    folder = Path(tempfile.mkdtemp(prefix="claimflow-upload-"))
    try:
        try:
            form = await request.form(max_files=limit + 1, max_fields=10, max_part_size=64 * 1024)
        except (MultiPartException, HTTPException) as e:  # Starlette wraps the parser's errors in a 400
            problem = str(getattr(e, "detail", e))
            if "Too many files" in problem:
                raise _too_many(limit) from e
            raise RequestError(f"the multipart body cannot be read: {problem}") from e
        try:
            unknown = sorted({k for k in form.keys() if k not in ("documents", "metadata")})
            if unknown:
                raise RequestError(f"unknown part(s): {', '.join(unknown)}; send `documents` and optional `metadata`")
            parts = form.getlist("documents")
            if not parts:
                raise RequestError("no `documents` part: a claim needs at least one document")
            if len(parts) > limit:
                raise _too_many(limit)
            metadata = _metadata(form.getlist("metadata"))
            uploads = []
            for n, part in enumerate(parts, start=1):
                if not isinstance(part, UploadFile):
                    raise RequestError(f"document {n}: the `documents` part must be a file, not a text field")
                uploads.append(await _spool(part, n, folder, settings))
        finally:
            await form.close()
        return Submission(uploads, metadata, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _too_many(limit: int) -> LimitExceededError:
    return LimitExceededError(f"a claim may carry at most {limit} documents", limit="CLAIMFLOW_MAX_DOCUMENTS_PER_CLAIM")


def _metadata(values: list[UploadFile | str]) -> ClaimMetadataIn:
    if not values:
        return ClaimMetadataIn()
    if len(values) > 1:
        raise RequestError("send at most one `metadata` part")
    value = values[0]
    if not isinstance(value, str):
        raise RequestError("the `metadata` part must be a JSON text field, not a file")
    try:
        return ClaimMetadataIn.model_validate_json(value)
    except ValidationError as e:
        where = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in e.errors())
        raise RequestError(f"the `metadata` part is invalid: {where}",
                           hint='send a JSON object such as {"member_id": "M-1", "reference": "R-1"}') from e


async def _spool(part: UploadFile, n: int, folder: Path, settings: Settings) -> Upload:
    target = folder / f"{n:03d}.upload"
    h = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := await part.read(CHUNK):
            size += len(chunk)
            if size > settings.max_file_bytes:
                raise LimitExceededError(
                    f"document {n} is over the {settings.max_file_bytes} byte limit", limit="CLAIMFLOW_MAX_FILE_BYTES"
                )
            h.update(chunk)
            out.write(chunk)
    return Upload(path=target, name=safe_name(part.filename, n), sha256=h.hexdigest())


def check_documents(submission: Submission, settings: Settings) -> None:
    """Identify every document from its bytes and apply the page and pixel limits (blocking: run in a thread)."""
    from extractors.ocr import OcrOptions
    from extractors.ocr.detect import detect

    options = OcrOptions.from_settings(settings)
    for n, upload in enumerate(submission.documents, start=1):
        try:
            detect(upload.path, options)
        except InputTooLargeError as e:
            raise LimitExceededError(f"document {n}: {e.problem}", limit=_which_limit(e.problem)) from e
        except InputError as e:
            raise type(e)(f"document {n}", e.problem, hint=e.hint) from e  # never the temporary path


def _which_limit(problem: str) -> str:
    if "pages" in problem:
        return "CLAIMFLOW_MAX_PAGES"
    if "MB" in problem and "limit" in problem:
        return "CLAIMFLOW_MAX_FILE_BYTES"
    return "CLAIMFLOW_MAX_PIXELS_PER_PAGE"
