"""One claimed file, from processing/ to done/ or failed/: refuse what is not a document, read the sidecar, commit the
receipt, have the claim decided, file the result. Every step is resumable from the intake folder's checkpoints.

Raises only for transient trouble (database unreachable, a share that hiccups): the file stays in processing/ and the
watcher tries it again later. Anything else ends with the file filed, in done/ or in failed/ with the reason.
"""

from __future__ import annotations

import logging
import os
import stat as st
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from claimflow.digest import sha256_file
from claimflow.errors import (
    ClaimflowError,
    DatabaseError,
    EmptyFileError,
    RefusedFileError,
    SidecarError,
    StoreUnavailableError,
    UnavailableError,
    hint_for,
)
from claimflow.settings import Settings
from claimflow.sidecar import Sidecar, parse_sidecar
from db import claims as repo
from db.claims import ClaimStatus
from flows import stages
from flows.intake import RECEIVED, Intake, Workspace, is_sidecar, utcnow
from flows.dispatch import ClaimRef
from flows.watch_runner import ClaimRunner

log = logging.getLogger("flows.watcher")

#: Seconds a resubmission waits for the claim it repeats to be decided elsewhere before deciding it itself.
RESUBMISSION_WAIT = 120.0
RESULT_FORMAT = "claimflow.watch.result/1"
ERROR_FORMAT = "claimflow.watch.error/1"

#: Trouble that passes: the file is kept in processing/ and tried again (never failed for it).
TRANSIENT: tuple[type[BaseException], ...] = (DatabaseError, StoreUnavailableError, UnavailableError, DBAPIError,
                                               OSError)

ContextFor = Callable[[str, "dt.date | None", str], stages.Context]


def sha_prefix(sha: str | None) -> str:
    return sha[:12] if sha else "-"


class IntakeProcessor:
    def __init__(self, settings: Settings, workspace: Workspace, runner: ClaimRunner, ctx_for: ContextFor) -> None:
        self.settings = settings
        self.ws = workspace
        self.runner = runner
        self.ctx_for = ctx_for

    def process(self, intake: Intake) -> str:
        """Take ``intake`` to done/ or failed/; returns ``"done"`` or ``"failed"``."""
        plan = intake.checkpoint("filing.json")
        if plan is not None and not os.path.lexists(intake.document):
            # Crashed while filing, after the document had moved: finish the move of the sidecar.
            self.ws.file(intake, failed=plan["failed"], report={})
            return "failed" if plan["failed"] else "done"
        base: dict[str, Any] = {"file": intake.original, "tenant": intake.tenant}
        claim_id: str | None = None
        sha: str | None = None
        try:
            self._check_document(intake)
            sidecar = self._sidecar(intake)
            claim_id, sha, resubmission = self._receive(intake, sidecar)
            if resubmission:
                self._wait_final(intake.tenant, claim_id)
            result = self.runner.decide(ClaimRef(intake.tenant, claim_id, sha))
        except TRANSIENT:
            raise
        except ClaimflowError as e:
            return self._fail(intake, base, claim_id, sha, e.kind, e.message, e.hint)
        except Exception as e:  # noqa: BLE001 - a bug must not leave the file with nowhere to go
            log.exception("watch state=error intake=%s claim=%s", intake.id, claim_id or "-")
            if claim_id is not None:
                self._record_unexpected(intake, claim_id, sha, e)
            return self._fail(intake, base, claim_id, sha, "unexpected",
                              f"claimflow could not process this document ({type(e).__name__})",
                              "report this to the claimflow administrators; the document is kept here")
        if result.outcome is None and not resubmission:
            kind = result.error_kind or "unexpected"
            # The pipeline names the document by its digest label (no file names in flow runs); staff know its name.
            message = (result.error or "").removesuffix(f" — {hint_for(kind)}").replace(
                stages.document_label(sha), intake.original)
            hint = hint_for(kind)
            if result.status == ClaimStatus.FAILED_TRANSIENT:
                hint = f"{hint}; then drop the document into the inbox again (or `claimflow retry {claim_id}`)"
            return self._fail(intake, base, claim_id, sha, kind, message, hint)
        report = {
            "format": RESULT_FORMAT,
            **base,
            "claim_id": result.claim_id,
            "document_sha256": sha,
            "status": result.status,
            "outcome": result.outcome,
            "payable": f"{result.payable:.2f}" if result.payable is not None else None,
            "currency": result.currency,
            "reasons": list(result.reasons),
            "review_queue": result.review_queue,
            "resubmission": resubmission,
            "resubmission_of": result.claim_id if resubmission else None,
            "error_kind": result.error_kind,
            "filed_at": utcnow().isoformat(),
        }
        self.ws.file(intake, failed=False, report=report)
        log.info("watch state=done intake=%s claim=%s sha256=%s outcome=%s resubmission=%s", intake.id, claim_id,
                 sha_prefix(sha), result.outcome or result.status, str(resubmission).lower())
        return "done"

    # -- steps ----------------------------------------------------------------------------------------------------

    def _check_document(self, intake: Intake) -> None:
        s = os.lstat(intake.document)
        if st.S_ISLNK(s.st_mode):
            raise RefusedFileError(intake.original, "is a symbolic link; links are never followed")
        if not st.S_ISREG(s.st_mode):
            raise RefusedFileError(intake.original, "is not a regular file (a device, pipe or socket)")
        if is_sidecar(intake.name):
            raise SidecarError(intake.original, "no document beside this sidecar (a sidecar NAME.json goes with the "
                                                "document NAME, dropped at the same time or before it)")
        if s.st_size == 0:
            raise EmptyFileError(intake.original, f"is empty (waited {self.settings.watch_grace:g} s for it to be "
                                                  "written)")

    def _sidecar(self, intake: Intake) -> Sidecar | None:
        if not intake.sidecar.exists():
            return None
        with intake.sidecar.open("rb") as f:
            data = f.read(self.settings.watch_sidecar_max_bytes + 1)
        return parse_sidecar(data, name=f"{intake.original}.json", max_bytes=self.settings.watch_sidecar_max_bytes,
                             today=utcnow().date())

    def _receive(self, intake: Intake, sidecar: Sidecar | None) -> tuple[str, str, bool]:
        """Commit the receipt (original stored, claim row, ``claim.received``), once per intake."""
        done = intake.checkpoint(RECEIVED)
        if done is not None:
            return done["claim_id"], done["sha256"], done["resubmission"]
        # The claim row names the intake that opened it: after a crash between the commit and the checkpoint below,
        # that claim is found again as this intake's own (not recorded as a resubmission of itself).
        submitted_by = f"folder/{intake.id}"
        ctx = self.ctx_for(intake.tenant, sidecar.received_on if sidecar else None, submitted_by)
        sha = sha256_file(intake.document)
        with ctx.sessions() as s:
            existing = repo.find_claim(s, tenant=intake.tenant, document_sha256=sha)
        if existing is not None and existing.submitted_by == submitted_by:
            received = stages.Received(existing.id, sha, intake.original, existing.status, False,
                                       existing.attempts or 0)
        else:
            received = stages.receive_documents(
                ctx, [(intake.document, intake.original)],
                reference=sidecar.claim_reference if sidecar else None,
                declared_member_id=sidecar.member_id if sidecar else None,
            )
            if received.is_resubmission and received.status == ClaimStatus.FAILED_TRANSIENT:
                received = stages.reopen(ctx, received, actor=submitted_by)  # as dispatch.admit: run it again
        intake.save_checkpoint(RECEIVED, {"claim_id": received.claim_id, "sha256": received.sha256,
                                          "resubmission": received.is_resubmission})
        log.info("watch state=%s intake=%s claim=%s sha256=%s", "resubmitted" if received.is_resubmission else
                 "received", intake.id, received.claim_id, sha_prefix(received.sha256))
        return received.claim_id, received.sha256, received.is_resubmission

    def _wait_final(self, tenant: str, claim_id: str) -> None:
        """A resubmission of a claim still being decided (by another worker or another watcher): let that finish
        rather than deciding the claim twice. A claim nobody is finishing (its submitter died outside a watched
        folder) is decided here after ``RESUBMISSION_WAIT`` seconds."""
        ctx = self.ctx_for(tenant, None, "folder")
        deadline = time.monotonic() + RESUBMISSION_WAIT
        while time.monotonic() < deadline:
            with ctx.sessions() as s:
                claim = repo.get_claim(s, claim_id=claim_id)
                if claim is None or claim.status in ClaimStatus.FINAL:
                    return
            time.sleep(0.5)

    def _record_unexpected(self, intake: Intake, claim_id: str, sha: str | None, error: Exception) -> None:
        ctx = self.ctx_for(intake.tenant, None, "folder")
        with ctx.sessions() as s:
            claim = repo.get_claim(s, claim_id=claim_id)
            final = claim is None or claim.status in ClaimStatus.FINAL
        if not final:
            received = stages.Received(claim_id, sha or "", intake.name, "", False)
            stages.record_failure(ctx, received, "watch", ClaimflowError(f"internal error ({type(error).__name__})"))

    def _fail(self, intake: Intake, base: dict[str, Any], claim_id: str | None, sha: str | None, kind: str,
              message: str, hint: str) -> str:
        report = {
            "format": ERROR_FORMAT,
            **base,
            "claim_id": claim_id,
            "document_sha256": sha,
            "error_kind": kind,
            "message": message,
            "what_to_do": hint,
            "filed_at": utcnow().isoformat(),
        }
        self.ws.file(intake, failed=True, report=report)
        log.info("watch state=failed intake=%s claim=%s sha256=%s error_kind=%s", intake.id, claim_id or "-",
                 sha_prefix(sha), kind)
        return "failed"
