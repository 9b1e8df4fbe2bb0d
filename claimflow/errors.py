"""One exception hierarchy for claimflow.

Every error says what went wrong *and what to do next*. Library code raises these (wrapping the cause with
``raise X(...) from e``); only the CLI handler and the API exception handler translate them into exit codes and HTTP
statuses. Exit codes are stable and documented in README ("Exit codes").
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    ok = 0
    unexpected = 1
    usage = 2
    input_missing = 3
    bad_input = 4
    encrypted_pdf = 5
    input_too_large = 6
    ocr_failed = 7
    extraction_failed = 8
    configuration = 9
    plan_invalid = 10
    member_unknown = 11
    database = 12
    audit_verification_failed = 13
    audit_key = 14
    flow_failed = 15
    not_found = 16
    conflict = 17
    forbidden = 18
    master_key = 19
    erased = 20


class ClaimflowError(Exception):
    """Base class. ``message`` is user-facing; ``hint`` tells the user what to do next."""

    exit_code: ExitCode = ExitCode.unexpected
    http_status: int = 500
    hint: str = ""
    #: A stable machine-readable name, e.g. ``encrypted_pdf`` (used in audit payloads and API errors).
    kind: str = "unexpected"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message



# --- input documents -------------------------------------------------------------------------------------------


class InputError(ClaimflowError):
    """A claim document that cannot be read. Always names the file."""

    exit_code = ExitCode.bad_input
    http_status = 422
    kind = "bad_input"

    def __init__(self, path: str | Path, problem: str, *, hint: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}", hint=hint)


class InputMissingError(InputError):
    exit_code = ExitCode.input_missing
    http_status = 404
    kind = "missing"
    hint = "check the path; nothing was processed"


class EmptyFileError(InputError):
    kind = "empty_file"
    hint = "ask the sender for the document again"


class UnsupportedTypeError(InputError):
    kind = "unsupported_type"
    hint = "send a PDF, JPEG, PNG, TIFF or WebP scan of the bill"


class CorruptFileError(InputError):
    kind = "corrupt_file"
    hint = "ask the sender for the document again"


class EncryptedPdfError(InputError):
    exit_code = ExitCode.encrypted_pdf
    kind = "encrypted_pdf"
    hint = "ask the sender for an unprotected copy"


class ImageTooSmallError(InputError):
    kind = "image_too_small"
    hint = "scan the bill at 150 dpi or more"


class InputTooLargeError(InputError):
    """Decompression bombs, too many pages, too many pixels: refused before decoding."""

    exit_code = ExitCode.input_too_large
    http_status = 413
    kind = "too_large"
    hint = "the limits are CLAIMFLOW_MAX_FILE_BYTES, CLAIMFLOW_MAX_PAGES and CLAIMFLOW_MAX_PIXELS_PER_PAGE"


class RefusedFileError(InputError):
    """Not a regular file (a symbolic link, a device, a pipe): a watched folder never follows or opens one."""

    kind = "refused_file"
    hint = "copy the document itself into the folder, not a link to it"


class SidecarError(InputError):
    """A sidecar NAME.json beside a document that is too large, not JSON, or not the sidecar schema."""

    kind = "bad_sidecar"
    hint = ("fix NAME.json (only member_id, claim_reference and received_on, see docs/watched-folder.md) and drop the "
            "document and its sidecar into the inbox again")


# --- processing stages ---------------------------------------------------------------------------------------------


class OcrError(ClaimflowError):
    exit_code = ExitCode.ocr_failed
    http_status = 500
    kind = "ocr_failed"
    hint = "check that tesseract is installed (`make demo` installs it) and retry"


class OcrTimeoutError(OcrError):
    kind = "ocr_timeout"
    hint = "a page took longer than CLAIMFLOW_OCR_PAGE_TIMEOUT seconds; retry or raise the limit"


class WorkerCrashedError(OcrError):
    """A worker process died while it held this document's work (killed, out of memory): maybe another document's
    fault, so the work may pass when run again (transient, like a timeout)."""

    kind = "worker_crashed"
    hint = "a worker process died (out of memory?) while it read or extracted this document; retry it"


class ExtractionError(ClaimflowError):
    exit_code = ExitCode.extraction_failed
    kind = "extraction_failed"


class ModelNotFoundError(ExtractionError):
    exit_code = ExitCode.configuration
    kind = "model_missing"
    hint = "the NER model ships in extractors/ner/model; rebuild it with `make model`"


# --- configuration, plans, members ---------------------------------------------------------------------------------


class ConfigurationError(ClaimflowError):
    exit_code = ExitCode.configuration
    kind = "configuration"


class PlanError(ClaimflowError):
    """A plan file that does not validate. The message names the file, the field path and the problem."""

    exit_code = ExitCode.plan_invalid
    http_status = 422
    kind = "plan_invalid"


class MemberError(ClaimflowError):
    exit_code = ExitCode.member_unknown
    http_status = 404
    kind = "member_unknown"


class MembersFileError(ClaimflowError):
    exit_code = ExitCode.bad_input
    http_status = 422
    kind = "members_file_invalid"


# --- storage and audit ---------------------------------------------------------------------------------------------


class DatabaseError(ClaimflowError):
    exit_code = ExitCode.database
    kind = "database"
    hint = "check CLAIMFLOW_DATABASE_URL and that the database is reachable; run `claimflow db upgrade`"


class StoreError(ClaimflowError):
    """The document store (local directory or S3-compatible bucket) refused or failed an operation."""

    exit_code = ExitCode.database
    kind = "store"
    hint = "check CLAIMFLOW_STORE and the CLAIMFLOW_S3_* settings (bucket, endpoint, credentials, permissions)"


class StoreUnavailableError(StoreError):
    """The store could not be reached or answered with a server error: transient, worth retrying."""

    kind = "store_unavailable"
    hint = "the document store did not answer; retry, and check that the endpoint is reachable"


class DocumentMissingError(StoreError):
    """No original with this digest is in the store."""

    exit_code = ExitCode.not_found
    http_status = 404
    kind = "document_missing"
    hint = "the original was deleted or never stored here; check that every worker uses the same document store"


class StoreIntegrityError(StoreError):
    """A stored original does not hash to its digest: it was damaged or altered. Holds both digests."""

    kind = "store_integrity"
    hint = "the stored copy is damaged or was altered; restore it from a backup (its digest is in the audit log)"

    def __init__(self, expected: str, actual: str, *, where: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"stored document {expected} in {where} does not match its digest (its bytes hash to {actual})")


class NotFoundError(ClaimflowError):
    exit_code = ExitCode.not_found
    http_status = 404
    kind = "not_found"


class ConflictError(ClaimflowError):
    exit_code = ExitCode.conflict
    http_status = 409
    kind = "conflict"


# --- the review workflow ------------------------------------------------------------------------------------------


class NotReviewableError(ConflictError):
    """The claim is not in a state that allows this review step (e.g. approving a claim that is already decided)."""

    kind = "not_reviewable"
    hint = "see the claim's status with `claimflow review show CLAIM`; reopen a decided claim with `review reopen`"


class LeaseHeldError(ConflictError):
    """Another reviewer holds the claim's lease. ``holder`` and ``expires_at`` say who and until when."""

    kind = "lease_held"

    def __init__(self, message: str, *, holder: str, expires_at: str, hint: str | None = None) -> None:
        self.holder = holder
        self.expires_at = expires_at
        super().__init__(message, hint=hint or "wait until the lease expires or ask its holder to release it")


class StaleProposalError(ConflictError):
    """A proposal awaiting confirmation no longer prices the same (the member's accumulators moved meanwhile)."""

    kind = "proposal_stale"
    hint = "decide the claim again (`claimflow review decide`), then have it confirmed"


class FourEyesError(ClaimflowError):
    """The four-eyes rule refuses this reviewer: their own proposal, or a claim they submitted."""

    exit_code = ExitCode.forbidden
    http_status = 403
    kind = "four_eyes"
    hint = "a different reviewer, who neither proposed the decision nor submitted the claim, must confirm it"


class ReviewInputError(ClaimflowError):
    """A review request that cannot be applied as given: unknown field or code, a line that does not exist, …."""

    exit_code = ExitCode.bad_input
    http_status = 422
    kind = "review_invalid"


class AuditError(ClaimflowError):
    exit_code = ExitCode.audit_verification_failed
    kind = "audit"


class AuditVerificationError(AuditError):
    """The audit log does not verify. ``seq`` is the first bad sequence number, ``damage`` the kind of damage."""

    kind = "audit_verification_failed"

    def __init__(self, message: str, *, seq: int | None = None, damage: str = "unknown", log: str | None = None):
        self.seq = seq
        self.damage = damage
        self.log = log
        super().__init__(message)


class AuditKeyError(AuditError):
    exit_code = ExitCode.audit_key
    kind = "audit_key"
    hint = "generate a key pair with `claimflow audit keygen` and set CLAIMFLOW_SIGNING_KEY_PATH"


# --- privacy: encryption at rest, erasure ------------------------------------------------------------------------


class MasterKeyError(ClaimflowError):
    """The master key that unwraps the data keys is missing, unreadable or not the one the data was sealed under."""

    exit_code = ExitCode.master_key
    kind = "master_key"
    hint = ("restore DATA_DIR/keys/master.key (or CLAIMFLOW_MASTER_KEY_PATH) from your key backup, or set "
            "CLAIMFLOW_MASTER_KEY to the key the data was encrypted under (docs/privacy.md, \"Key handling\")")


class ErasedError(ClaimflowError):
    """The data was erased on request (its data key destroyed): it can no longer be read, by design."""

    exit_code = ExitCode.erased
    http_status = 410
    kind = "erased"
    hint = "the member's personal data was erased (`claimflow privacy erase`); only non-personal facts remain"


class FlowError(ClaimflowError):
    exit_code = ExitCode.flow_failed
    kind = "flow_failed"


# --- the HTTP API --------------------------------------------------------------------------------------------------


class AuthenticationError(ClaimflowError):
    """No API key, or one that is unknown or revoked."""

    exit_code = ExitCode.usage
    http_status = 401
    kind = "unauthenticated"
    hint = "send `Authorization: Bearer <key>`; `claimflow keys create` issues one"


class PermissionDeniedError(ClaimflowError):
    """The key's role may not use this route (never used for another tenant's data: that is a 404)."""

    exit_code = ExitCode.usage
    http_status = 403
    kind = "forbidden"


class RateLimitedError(ClaimflowError):
    exit_code = ExitCode.usage
    http_status = 429
    kind = "rate_limited"
    hint = "slow down: CLAIMFLOW_API_RATE_PER_SECOND and CLAIMFLOW_API_RATE_BURST set the limit per key"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class LimitExceededError(ClaimflowError):
    """A request over a configured limit; ``limit`` names the setting."""

    exit_code = ExitCode.input_too_large
    http_status = 413
    kind = "limit_exceeded"

    def __init__(self, message: str, *, limit: str, http_status: int = 413) -> None:
        self.limit = limit
        self.http_status = http_status
        super().__init__(message, hint=f"the limit is {limit}")


class RequestError(ClaimflowError):
    """A malformed request (a missing part, bad metadata, a reused Idempotency-Key)."""

    exit_code = ExitCode.usage
    http_status = 422
    kind = "bad_request"


class UnavailableError(ClaimflowError):
    """A dependency (database, document store, orchestrator) is not reachable right now; retry later."""

    exit_code = ExitCode.unexpected
    http_status = 503
    kind = "unavailable"


def hint_for(kind: str) -> str:
    """What to do about an error of this ``kind`` (the hint of the class that declares it; empty when unknown)."""
    pending: list[type[ClaimflowError]] = [ClaimflowError]
    while pending:
        cls = pending.pop()
        if cls.__dict__.get("kind") == kind and cls.hint:
            return cls.hint
        pending.extend(cls.__subclasses__())
    return ""
