"""FHIR R4 ClaimResponse / ExplanationOfBenefit for real decisions (sample truths adjudicated against members.yaml):
the output parses with the fhir.resources R4B models for approved, partially approved, denied and pended claims."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from sqlalchemy import Engine

from api import fhir
from apiext_helpers import Http, decided_claim, http_api, load_members
from claimflow.model import Decision, Extraction
from claimflow.model.accumulators import Accumulators
from claimflow.model.member import members_from_file
from claimflow.settings import Settings
from rules import adjudicate, load_plans

ROOT = Path(__file__).resolve().parent.parent / "sample_docs"
RECEIVED = dt.date(2025, 12, 1)
CREATED = dt.datetime(2025, 12, 1, 9, 30, tzinfo=dt.UTC)


def decide(name: str) -> Decision:
    x = Extraction.model_validate(json.loads((ROOT / f"{name}.truth.json").read_text()))
    members = {m.member_id: m for m in members_from_file(ROOT / "members.yaml")}
    member = members.get(x.patient.member_id) if x.patient.member_id else None
    plan = load_plans().get(member.plan_id) if member else None
    return adjudicate(x, member, plan, Accumulators(), [], today=RECEIVED)


def view(d: Decision | None, status: str | None = None, **kw: object) -> fhir.ClaimView:
    return fhir.ClaimView(
        claim_id="0b5a3f1e-2c4d-4e8f-9a0b-1c2d3e4f5a6b", tenant="acme",
        status=status or (d.outcome.value.lower() if d else "received"), created=CREATED, decision=d,
        decided_at=CREATED + dt.timedelta(minutes=1) if d else None, **kw,  # type: ignore[arg-type]
    )


def amounts(adjudications: list, system: str = fhir.ADJUDICATION) -> dict[str, Decimal]:
    """category code -> amount, for one adjudication list of a parsed R4B model."""
    return {a.category.coding[0].code: a.amount.value for a in adjudications
            if a.category.coding[0].system == system and a.amount is not None}


def carc(adjudications: list) -> list[str]:
    return [f"{a.category.coding[0].code}-{a.reason.coding[0].code}" for a in adjudications
            if a.category.coding[0].system == fhir.GROUP]


def parse(resource: dict) -> tuple[ClaimResponse | ExplanationOfBenefit, dict]:
    """Round-trip through the wire form: R4B model from the JSON bytes, and the JSON with exact decimals."""
    body = fhir.to_json(resource)
    model = {"ClaimResponse": ClaimResponse, "ExplanationOfBenefit": ExplanationOfBenefit}[resource["resourceType"]]
    return model.model_validate_json(body), json.loads(body, parse_float=Decimal)


CASES = [
    ("clinic-digital", "APPROVED", "complete"),
    ("dental-scan", "PARTIALLY_APPROVED", "complete"),
    ("clinic-nonmember", "DENIED", "complete"),
    ("clinic-eur-negated", "PENDING_REVIEW", "partial"),
]


@pytest.mark.parametrize(("name", "outcome", "fhir_outcome"), CASES)
def test_claim_response_parses_with_r4b_and_carries_the_decision(name: str, outcome: str, fhir_outcome: str) -> None:
    d = decide(name)
    assert d.outcome.value == outcome
    cr, raw = parse(fhir.claim_response(view(d)))
    assert isinstance(cr, ClaimResponse)
    assert cr.outcome == fhir_outcome and cr.use == "claim" and cr.status == "active"
    assert cr.id == raw["request"]["identifier"]["value"] == "0b5a3f1e-2c4d-4e8f-9a0b-1c2d3e4f5a6b"
    currency = d.currency or "USD"
    totals = amounts(cr.total)
    if outcome == "PENDING_REVIEW":
        assert totals == {"submitted": d.billed, "benefit": Decimal("0.00")}
    else:
        assert totals == {"submitted": d.billed, "eligible": d.allowed, "benefit": d.payable}
    assert all(t.amount.currency == currency for t in cr.total)
    # Every CARC reason appears once: on its item, or on the header when it concerns the whole claim.
    reasons = carc(cr.adjudication or []) + [c for it in cr.item or [] for c in carc(it.adjudication)]
    assert sorted(reasons) == sorted(f"{r.group}-{r.code}" for r in d.reasons)
    assert [it.itemSequence for it in cr.item or []] == [ln.index + 1 for ln in d.lines]
    # processNote is the EOB text, whole.
    assert cr.processNote[0].text == d.explain()
    # Exact decimals on the wire: two places, numbers (not strings, not floats rounded to one place).
    benefit = next(t for t in raw["total"] if t["category"]["coding"][0]["code"] == "benefit")["amount"]["value"]
    assert isinstance(benefit, Decimal) and benefit == d.payable and str(benefit) == f"{d.payable:.2f}"


def test_approved_lines_carry_every_adjudication_category() -> None:
    d = decide("clinic-digital")
    cr, _ = parse(fhir.claim_response(view(d)))
    (item,) = cr.item
    (line,) = d.lines
    assert amounts(item.adjudication) == {"submitted": line.billed, "eligible": line.allowed,
                                          "deductible": line.deductible, "copay": line.copay, "benefit": line.payable}
    assert amounts(item.adjudication, fhir.CLAIMFLOW_ADJUDICATION) == {"coinsurance": line.coinsurance}
    assert carc(item.adjudication) == ["CO-45"]
    assert cr.payment.type.coding[0].code == "complete" and cr.payment.amount.value == d.payable


def test_partial_approval_pays_partially_and_names_the_denied_line() -> None:
    d = decide("dental-scan")
    cr, _ = parse(fhir.claim_response(view(d)))
    assert cr.payment.type.coding[0].code == "partial" and cr.payment.amount.value == d.payable > 0
    denied = [ln for ln in d.lines if ln.status.value == "DENIED"]
    assert denied
    for ln in denied:
        item = cr.item[ln.index]
        assert amounts(item.adjudication)["benefit"] == Decimal("0.00")
        assert "CO-177" in carc(item.adjudication)


def test_denied_claim_has_header_reason_and_no_payment() -> None:
    d = decide("clinic-nonmember")
    cr, _ = parse(fhir.claim_response(view(d)))
    assert cr.payment is None and carc(cr.adjudication) == ["CO-31"]
    assert cr.total[0].amount.currency == "CAD"


def test_pended_claim_is_partial_and_shows_no_proposed_payment() -> None:
    d = decide("clinic-eur-negated")
    cr, _ = parse(fhir.claim_response(view(d)))
    assert cr.outcome == "partial" and cr.payment is None
    assert "claims_examiner" in cr.disposition
    for item in cr.item:
        assert set(amounts(item.adjudication)) == {"submitted"}  # a proposal is not a decision
    assert amounts(cr.total)["benefit"] == Decimal("0.00")


@pytest.mark.parametrize(("name", "outcome", "fhir_outcome"), CASES)
def test_explanation_of_benefit_parses_with_r4b(name: str, outcome: str, fhir_outcome: str) -> None:
    d = decide(name)
    eob, _ = parse(fhir.explanation_of_benefit(view(d)))
    assert isinstance(eob, ExplanationOfBenefit)
    assert eob.outcome == fhir_outcome and eob.insurance[0].focal is True
    assert eob.processNote[0].text == d.explain()
    assert amounts(eob.total)["benefit"] == d.payable
    for ln, item in zip(d.lines, eob.item or [], strict=True):
        assert item.sequence == ln.index + 1
        if ln.code_system in fhir.PROCEDURE_SYSTEMS:
            assert item.productOrService.coding[0].system == fhir.PROCEDURE_SYSTEMS[ln.code_system]
            assert item.productOrService.coding[0].code == ln.code
        assert item.servicedDate == ln.service_date
    if d.provider and d.provider.startswith("npi:"):
        assert eob.provider.identifier.value == d.provider[4:]


def test_a_proposal_awaiting_confirmation_pays_nothing_yet() -> None:
    d = decide("clinic-digital")  # a reviewer's approval above the four-eyes threshold is such a proposal
    assert d.payable > 0
    cr, _ = parse(fhir.claim_response(view(d, status="awaiting_confirmation")))
    assert cr.outcome == "partial" and cr.payment is None and "second reviewer" in cr.disposition
    assert amounts(cr.total) == {"submitted": d.billed, "benefit": Decimal("0.00")}
    assert all(set(amounts(item.adjudication)) == {"submitted"} for item in cr.item)
    eob, _ = parse(fhir.explanation_of_benefit(view(d, status="awaiting_confirmation")))
    assert eob.outcome == "partial" and eob.payment is None


@pytest.mark.parametrize(("status", "expected"), [("received", "queued"), ("extracted", "queued"),
                                                  ("failed_transient", "queued"), ("failed", "error")])
def test_undecided_and_failed_claims(status: str, expected: str) -> None:
    v = view(None, status=status, error_kind="corrupt_file" if status == "failed" else None)
    cr, _ = parse(fhir.claim_response(v))
    assert cr.outcome == expected and cr.item is None and cr.total is None
    if status == "failed":
        assert cr.error[0].code.coding[0].code == "corrupt_file"
    eob, _ = parse(fhir.explanation_of_benefit(v))
    assert eob.outcome == expected


def test_unknown_status_and_bad_id_are_refused() -> None:
    with pytest.raises(ValueError, match="no FHIR outcome"):
        fhir.claim_response(view(None, status="pended"))
    bad = fhir.ClaimView(claim_id="../etc", tenant="acme", status="received", created=CREATED)
    with pytest.raises(ValueError, match="not a FHIR id"):
        fhir.explanation_of_benefit(bad)


def test_naive_times_are_utc() -> None:
    v = fhir.ClaimView(claim_id="c-1", tenant="acme", status="received", created=dt.datetime(2025, 12, 1, 9, 30))
    assert fhir.claim_response(v)["created"] == "2025-12-01T09:30:00Z"


# --- over HTTP -----------------------------------------------------------------------------------------------------


@pytest.fixture
def http(settings: Settings, any_engine: Engine) -> Iterator[Http]:
    with http_api(settings, any_engine) as api:
        load_members(api.sessions, "acme")
        yield api


@pytest.mark.parametrize("resource", ["ClaimResponse", "ExplanationOfBenefit"])
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_fhir_routes_serve_r4b_valid_resources(http: Http, name: str, resource: str) -> None:
    claim_id, decision = decided_claim(http.settings, http.sessions, name)
    r = http.client.get(f"/v1/claims/{claim_id}/fhir/{resource}", headers=http.auth("acme", "submitter"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/fhir+json"
    model = {"ClaimResponse": ClaimResponse, "ExplanationOfBenefit": ExplanationOfBenefit}[resource]
    parsed = model.model_validate_json(r.content)
    assert parsed.id == claim_id and parsed.outcome == dict((c[0], c[2]) for c in CASES)[name]
    assert parsed.processNote[0].text == decision.explain()
    raw = json.loads(r.content, parse_float=Decimal)
    benefit = next(t for t in raw["total"] if t["category"]["coding"][0]["code"] == "benefit")["amount"]["value"]
    assert benefit == decision.payable


@pytest.mark.parametrize("role", ["submitter", "reviewer", "auditor", "admin"])
def test_fhir_routes_are_tenant_scoped(http: Http, role: str) -> None:
    claim_id, _ = decided_claim(http.settings, http.sessions, "clinic-digital")
    for resource in ("ClaimResponse", "ExplanationOfBenefit"):
        assert http.client.get(f"/v1/claims/{claim_id}/fhir/{resource}",
                               headers=http.auth("acme", role)).status_code == 200
        other = http.client.get(f"/v1/claims/{claim_id}/fhir/{resource}", headers=http.auth("globex", role))
        assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"
        assert http.client.get(f"/v1/claims/{claim_id}/fhir/{resource}").status_code == 401
