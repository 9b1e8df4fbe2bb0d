"""FHIR R4 ClaimResponse and ExplanationOfBenefit for a claim, built from its Decision (pure: values in, dicts out).

Every resource is validated by constructing the ``fhir.resources`` **R4B** model (R4B's financial resources are R4's;
the R5 models would silently drop R4 fields) before it is returned. Money stays ``Decimal`` end to end and is written
as an exact JSON number with two places (``to_json``): FHIR decimals are numbers, and their precision is significant.

Outcome mapping (FHIR R4 RemittanceOutcome), documented in docs/fhir.md:

==================================================  ==========  ====================================================
claimflow claim status                              outcome     why
==================================================  ==========  ====================================================
received, ocr_done, extracted, failed_transient    queued      received, adjudication not finished (a transient
                                                                failure is retried)
approved, partially_approved, denied                complete    adjudication finished (what was paid is in the
                                                                totals and items)
pending_review, awaiting_confirmation               partial     the rules ran; a person (or a second reviewer,
                                                                four-eyes) must finish adjudication
failed                                              error       the document could not be processed (``error``)
==================================================  ==========  ====================================================
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from claimflow.model.decision import Decision, LineResult, LineStatus, Outcome, Reason
from claimflow.model.eob import render_eob
from claimflow.money import to_money

#: Code systems (HL7 terminology where one exists, X12 for CARC and group codes, claimflow's own otherwise).
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CLAIMFLOW_ADJUDICATION = "https://claimflow.dev/fhir/CodeSystem/adjudication"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
RARC = "https://x12.org/codes/remittance-advice-remark-codes"
GROUP = "https://x12.org/codes/claim-adjustment-group-codes"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"
NOTE_TYPE = "http://hl7.org/fhir/note-type"
ERROR_SYSTEM = "https://claimflow.dev/fhir/CodeSystem/error-kind"
CLAIM_ID_SYSTEM = "urn:claimflow:claim"
#: An item's source in a document holding several bills: which bill (1-based, in page order) and page it was read on.
BILL_EXTENSION = "https://claimflow.dev/fhir/StructureDefinition/source-bill"
NPI = "http://hl7.org/fhir/sid/us-npi"
PROCEDURE_SYSTEMS = {
    "CPT": "http://www.ama-assn.org/go/cpt",
    "HCPCS": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "CDT": "http://ada.org/cdt",
    "NDC": "http://hl7.org/fhir/sid/ndc",
    "REV": "https://www.nubc.org/CodeSystem/RevenueCodes",
}
DEFAULT_CURRENCY = "USD"

QUEUED, COMPLETE, ERROR, PARTIAL = "queued", "complete", "error", "partial"
OUTCOMES = frozenset({QUEUED, COMPLETE, ERROR, PARTIAL})
_STATUS_OUTCOME = {
    "received": QUEUED,
    "ocr_done": QUEUED,
    "extracted": QUEUED,
    "failed_transient": QUEUED,
    "approved": COMPLETE,
    "partially_approved": COMPLETE,
    "denied": COMPLETE,
    "pending_review": PARTIAL,
    "awaiting_confirmation": PARTIAL,
    "failed": ERROR,
}
#: Statuses whose decision is settled: only these show what the plan pays (elsewhere amounts are a proposal).
SETTLED = frozenset(status for status, outcome in _STATUS_OUTCOME.items() if outcome == COMPLETE)
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True)
class ClaimView:
    """What the builders need to know about one claim: its row's facts and its latest decision (if any)."""

    claim_id: str
    tenant: str
    status: str
    created: dt.datetime
    decision: Decision | None = None
    decided_at: dt.datetime | None = None
    error_kind: str | None = None
    #: (line index, document ordinal, page, bill) of each line; the bill is None outside documents of several bills
    line_bills: tuple[tuple[int, int, int | None, int | None], ...] = ()


def fhir_outcome(status: str) -> str:
    """The RemittanceOutcome for a claim status (see the module table); an unknown status is refused."""
    try:
        return _STATUS_OUTCOME[status]
    except KeyError:
        raise ValueError(f"claim status {status!r} has no FHIR outcome; known: {sorted(_STATUS_OUTCOME)}") from None


# --- small pieces --------------------------------------------------------------------------------------------------


def _instant(t: dt.datetime) -> str:
    """FHIR dateTime in UTC (a naive datetime read back from SQLite is UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _money(value: Decimal, currency: str) -> dict[str, Any]:
    return {"value": to_money(value), "currency": currency}


def _adjudication(code: str, value: Decimal, currency: str, *, system: str = ADJUDICATION) -> dict[str, Any]:
    return {"category": _concept(system, code), "amount": _money(value, currency)}


def _reason_adjudication(r: Reason, currency: str) -> dict[str, Any]:
    """One CARC adjustment: the X12 group code as the category, the CARC (and remark) as the reason."""
    codings = [{"system": CARC, "code": r.code, "display": r.message}]
    if r.remark:
        codings.append({"system": RARC, "code": r.remark})
    adj: dict[str, Any] = {"category": _concept(GROUP, r.group), "reason": {"coding": codings, "text": r.label}}
    if r.amount is not None:
        adj["amount"] = _money(r.amount, currency)
    return adj


def _claim_type(d: Decision | None) -> dict[str, Any]:
    systems = {ln.code_system for ln in d.lines} if d else set()
    if systems and systems <= {"CDT"}:
        code = "oral"
    elif systems and systems <= {"NDC"}:
        code = "pharmacy"
    elif "REV" in systems:
        code = "institutional"
    else:
        code = "professional"
    return _concept(CLAIM_TYPE, code)


def _patient(d: Decision | None) -> dict[str, Any]:
    if d is not None and d.member_id:
        return {"identifier": {"system": "urn:claimflow:member", "value": d.member_id}}
    return {"display": "member not identified"}


def _provider(d: Decision | None) -> dict[str, Any]:
    key = d.provider if d is not None else None
    if key and key.startswith("npi:"):
        return {"identifier": {"system": NPI, "value": key[4:]}}
    if key and key.startswith("name:"):
        return {"display": key[5:]}
    return {"display": "provider not identified"}


def _common(view: ClaimView, resource_type: str) -> dict[str, Any]:
    if not _FHIR_ID.match(view.claim_id):
        raise ValueError(f"claim id {view.claim_id!r} is not a FHIR id")
    d = view.decision
    outcome = fhir_outcome(view.status)
    out: dict[str, Any] = {
        "resourceType": resource_type,
        "id": view.claim_id,
        "identifier": [{"system": CLAIM_ID_SYSTEM, "value": view.claim_id}],
        "status": "active",
        "type": _claim_type(d),
        "use": "claim",
        "patient": _patient(d),
        "created": _instant(view.decided_at or view.created),
        "insurer": {"identifier": {"system": "urn:claimflow:tenant", "value": view.tenant}},
        "outcome": outcome,
    }
    if d is not None:
        out["disposition"] = _disposition(d, view.status)
    return out


def _disposition(d: Decision, status: str) -> str:
    text = d.outcome.value.replace("_", " ").lower()
    if status == "awaiting_confirmation":
        return f"{text}, proposed: awaiting a second reviewer's confirmation"
    return f"{text} (review queue: {d.review_queue})" if d.review_queue else text


def _currency(d: Decision) -> str:
    return d.currency or DEFAULT_CURRENCY


def _line_adjudications(ln: LineResult, d: Decision, currency: str, settled: bool) -> list[dict[str, Any]]:
    """submitted, eligible, deductible, copay, coinsurance (claimflow code), benefit; then the line's CARC reasons.

    A claim not settled (pended, or a proposal awaiting confirmation) shows only what was submitted: its line amounts
    are a proposal, not a decision."""
    adj = [_adjudication("submitted", ln.billed, currency)]
    if settled and d.outcome is not Outcome.PENDING_REVIEW and ln.status is not LineStatus.PENDING:
        adj += [
            _adjudication("eligible", ln.allowed, currency),
            _adjudication("deductible", ln.deductible, currency),
            _adjudication("copay", ln.copay, currency),
            _adjudication("coinsurance", ln.coinsurance, currency, system=CLAIMFLOW_ADJUDICATION),
            _adjudication("benefit", ln.payable, currency),
        ]
    adj += [_reason_adjudication(r, currency) for r in d.reasons if r.line == ln.index]
    return adj


def _totals(d: Decision, currency: str, settled: bool) -> list[dict[str, Any]]:
    if not settled:
        return [_adjudication("submitted", d.billed, currency), _adjudication("benefit", Decimal(0), currency)]
    return [
        _adjudication("submitted", d.billed, currency),
        _adjudication("eligible", d.allowed, currency),
        _adjudication("benefit", d.payable, currency),
        _adjudication("memberresponsibility", d.member_responsibility, currency, system=CLAIMFLOW_ADJUDICATION),
    ]


def _payment(d: Decision, currency: str) -> dict[str, Any] | None:
    if d.outcome not in (Outcome.APPROVED, Outcome.PARTIALLY_APPROVED) or d.payable <= 0:
        return None
    kind = "complete" if d.outcome is Outcome.APPROVED else "partial"
    out: dict[str, Any] = {"type": _concept(PAYMENT_TYPE, kind), "amount": _money(d.payable, currency)}
    if d.decided_on is not None:
        out["date"] = d.decided_on.isoformat()
    return out


def _financials(
    view: ClaimView, out: dict[str, Any], item: Callable[[LineResult, list[dict[str, Any]]], dict[str, Any]]
) -> None:
    """Items, header adjudications (claim-level reasons), totals, payment and the EOB text, shared by both resources.
    ``item(line, adjudications)`` shapes one line for its resource."""
    d = view.decision
    if view.status == "failed" or d is None:
        return
    currency = _currency(d)
    settled = view.status in SETTLED
    if d.lines:
        out["item"] = [item(ln, _line_adjudications(ln, d, currency, settled)) for ln in d.lines]
    header = [_reason_adjudication(r, currency) for r in d.reasons if r.line is None]
    if header:
        out["adjudication"] = header
    out["total"] = _totals(d, currency, settled)
    payment = _payment(d, currency) if settled else None
    if payment is not None:
        out["payment"] = payment
    out["processNote"] = [{"number": 1, "type": "display", "text": render_eob(d)}]


def _bill_extension(view: ClaimView, ln: LineResult) -> dict[str, Any]:
    """The ``extension`` naming the bill (and document and page) a line was read from, for lines of a document
    holding several bills; nothing for other lines."""
    for index, document, page, bill in view.line_bills:
        if index == ln.index and bill is not None:
            parts = [{"url": "document", "valueInteger": document}, {"url": "bill", "valueInteger": bill}]
            if page:
                parts.append({"url": "page", "valueInteger": page})
            return {"extension": [{"url": BILL_EXTENSION, "extension": parts}]}
    return {}


# --- the two resources ---------------------------------------------------------------------------------------------


def claim_response(view: ClaimView) -> dict[str, Any]:
    """The claim's FHIR R4 ClaimResponse (validated with the R4B model); Decimal money values."""
    out = _common(view, "ClaimResponse")
    out["request"] = {"identifier": {"system": CLAIM_ID_SYSTEM, "value": view.claim_id}}

    def item(ln: LineResult, adjudication: list[dict[str, Any]]) -> dict[str, Any]:
        return {**_bill_extension(view, ln), "itemSequence": ln.index + 1, "adjudication": adjudication}

    _financials(view, out, item)
    if view.status == "failed":
        out["error"] = [{"code": _concept(ERROR_SYSTEM, view.error_kind or "unexpected")}]
    ClaimResponse.model_validate(out)
    return out


def explanation_of_benefit(view: ClaimView) -> dict[str, Any]:
    """The claim's FHIR R4 ExplanationOfBenefit (validated with the R4B model); Decimal money values."""
    out = _common(view, "ExplanationOfBenefit")
    d = view.decision
    out["provider"] = _provider(d)
    plan = d.plan_id if d is not None else None
    coverage = {"identifier": {"system": "urn:claimflow:plan", "value": plan}} if plan else {"display": "no plan"}
    out["insurance"] = [{"focal": True, "coverage": coverage}]
    out["claim"] = {"identifier": {"system": CLAIM_ID_SYSTEM, "value": view.claim_id}}
    out["claimResponse"] = {"reference": f"ClaimResponse/{view.claim_id}"}

    def item(ln: LineResult, adjudication: list[dict[str, Any]]) -> dict[str, Any]:
        system = PROCEDURE_SYSTEMS.get(ln.code_system or "")
        service = _concept(system, ln.code) if system and ln.code else {"text": ln.code or "uncoded line"}
        entry: dict[str, Any] = {**_bill_extension(view, ln), "sequence": ln.index + 1, "productOrService": service}
        if ln.service_date is not None:
            entry["servicedDate"] = ln.service_date.isoformat()
        entry["adjudication"] = adjudication
        return entry

    _financials(view, out, item)
    ExplanationOfBenefit.model_validate(out)
    return out


# --- JSON with exact decimals --------------------------------------------------------------------------------------

_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?\d+(?:\.\d+)?)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value:f}"
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v) for v in value]
    return value


def to_json(resource: dict[str, Any]) -> bytes:
    """FHIR JSON with every Decimal written as the exact number it is (``105.00``, never ``105.0`` or a string)."""
    text = json.dumps(_mark(resource), ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(lambda m: m.group(1), text).encode("utf-8")
