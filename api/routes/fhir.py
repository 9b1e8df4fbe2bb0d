"""/v1/claims/{id}/fhir/ClaimResponse and /ExplanationOfBenefit: the claim as FHIR R4 (docs/fhir.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from claimflow.model import Decision
from claimflow.model.claim_extraction import line_sources, load_extraction
from db import claims as claims_repo
from db.models import Claim

from api import fhir
from api.access import account_in
from api.deps import ALL_ROLES, Principal, SessionDep, claim_or_404, require
from api.problems import responses

router = APIRouter(prefix="/v1/claims", tags=["fhir"])

Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
ClaimId = Annotated[str, Path(min_length=1, max_length=64, description="The claim id (a UUID).",
                              examples=["0b8f0c1e-3a55-4c55-9d1e-4d5ce2cfb0a1"])]
FHIR_JSON = "application/fhir+json"


def _content(resource_type: str) -> dict[int | str, dict]:
    return {200: {"description": f"A FHIR R4 {resource_type} (validated with the fhir.resources R4B model).",
                  "content": {FHIR_JSON: {"schema": {"type": "object", "required": ["resourceType", "outcome"],
                                                     "properties": {"resourceType": {"type": "string",
                                                                                     "enum": [resource_type]},
                                                                    "outcome": {"type": "string", "enum": sorted(
                                                                        fhir.OUTCOMES)}}}}}}}


def claim_view(session: Session, claim: Claim) -> fhir.ClaimView:
    """The claim row and its latest decision, as the FHIR builders take them."""
    row = claims_repo.latest_decision(session, claim_id=claim.id)
    ext = claims_repo.latest_extraction(session, claim_id=claim.id)
    sources = line_sources(load_extraction(ext.extraction)) if ext is not None else []
    return fhir.ClaimView(
        claim_id=claim.id, tenant=claim.tenant, status=claim.status, created=claim.created_at,
        decision=Decision.model_validate(row.decision) if row is not None else None,
        decided_at=row.created_at if row is not None else None, error_kind=claim.error_kind,
        line_bills=tuple((i, s.document, s.page, s.bill) for i, s in enumerate(sources)),
    )


@router.get("/{claim_id}/fhir/ClaimResponse", summary="The claim's decision as a FHIR R4 ClaimResponse",
            response_class=Response, responses={**_content("ClaimResponse"), **responses(401, 403, 404, 429)})
def claim_response(claim_id: ClaimId, principal: Reader, session: SessionDep) -> Response:
    """``outcome``: queued (not yet adjudicated), complete (approved, partially approved or denied), partial (pended
    for review), error (the document could not be processed). Items carry submitted, eligible, deductible, copay,
    coinsurance and benefit amounts and the CARC reasons; ``processNote`` is the EOB text."""
    claim = claim_or_404(session, principal, claim_id)
    body = fhir.to_json(fhir.claim_response(claim_view(session, claim)))
    account_in(session, principal, claim, "GET /v1/claims/{claim_id}/fhir/ClaimResponse")
    return Response(body, media_type=FHIR_JSON)


@router.get("/{claim_id}/fhir/ExplanationOfBenefit", summary="The claim as a FHIR R4 ExplanationOfBenefit",
            response_class=Response, responses={**_content("ExplanationOfBenefit"), **responses(401, 403, 404, 429)})
def explanation_of_benefit(claim_id: ClaimId, principal: Reader, session: SessionDep) -> Response:
    """As the ClaimResponse, with the provider, the plan (``insurance``) and each line's procedure code."""
    claim = claim_or_404(session, principal, claim_id)
    body = fhir.to_json(fhir.explanation_of_benefit(claim_view(session, claim)))
    account_in(session, principal, claim, "GET /v1/claims/{claim_id}/fhir/ExplanationOfBenefit")
    return Response(body, media_type=FHIR_JSON)
