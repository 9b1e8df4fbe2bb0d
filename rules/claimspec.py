"""A compact way to write a claim for tests, scenarios and benchmarks: ``claim_from_spec(dict) -> Extraction``.

Scenario YAML files (tests/scenarios) and the benchmark write claims like this instead of full extraction JSON::

    sha: visit-1                  # any text: the document digest is sha256 of it (64 hex digits are used as is)
    member_id: GLD-1001
    member_id_confidence: 0.97    # optional evidence confidence for the member id
    dob: 1980-05-04               # optional patient date of birth as printed
    provider: {npi: "1234567893", name: Lakeside Clinic}
    dates: [2026-03-02]           # dates of service
    date_confidence: 0.95
    diagnoses: ["J06.9", "!J18.9", "Z41.1@0.55"]   # ! negated, @ evidence confidence
    lines:                        # "CODE AMOUNT [xQTY] [@CONF] [DATE]"; "-" for no code; or a LineItem mapping
      - 99213 150.00
      - 0002-1433-80 60.00 x2
    total: 210.00                 # default: the sum of the lines
    total_confidence: 0.99
    currency: USD                 # default USD; null for not printed
    total_matches_line_items: true   # default: computed from total and lines
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from claimflow.model.extraction import Extraction
from claimflow.money import ZERO, to_money

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BOX = [10.0, 10.0, 200.0, 30.0]


def digest_of(tag: str) -> str:
    return tag if _HEX64.match(tag) else hashlib.sha256(tag.encode()).hexdigest()


def _evidence(conf: Any) -> dict[str, Any] | None:
    if conf is None:
        return None
    return {"page": 1, "bbox": _BOX, "confidence": conf}


def _line(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return dict(spec)
    parts = str(spec).split()
    if len(parts) < 2:
        raise ValueError(f"a line is 'CODE AMOUNT [xQTY] [@CONF] [DATE]': {spec!r}")
    out: dict[str, Any] = {"code": None if parts[0] == "-" else parts[0], "amount": str(to_money(parts[1]))}
    for p in parts[2:]:
        if p.startswith("x"):
            out["quantity"] = int(p[1:]) if p[1:].isdigit() else p[1:]
        elif p.startswith("@"):
            out["evidence"] = _evidence(_conf(p[1:]))
        else:
            out["service_date"] = dt.date.fromisoformat(p).isoformat()
    return out


def _conf(text: str) -> Any:
    # confidences are JSON numbers in the contract: parse them with the JSON reader, as a consumer of the wire form
    import json

    return json.loads(text)


def _diagnosis(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return dict(spec)
    text = str(spec)
    negated = text.startswith("!")
    text = text.lstrip("!")
    conf = None
    if "@" in text:
        text, c = text.split("@", 1)
        conf = _conf(c)
    d: dict[str, Any] = {"code": text, "description": None, "negated": negated}
    if conf is not None:
        d["evidence"] = _evidence(conf)
    return d


def claim_dict(spec: dict[str, Any]) -> dict[str, Any]:
    """The extraction wire form (valid against the contract) for a compact spec."""
    lines = [_line(s) for s in spec.get("lines", [])]
    line_sum = sum((Decimal(li["amount"]) for li in lines if li.get("amount") is not None), ZERO)
    total = spec.get("total", "sum")
    total_value = str(to_money(line_sum)) if total == "sum" else (None if total is None else str(to_money(total)))
    if "total_matches_line_items" in spec:
        matches = spec["total_matches_line_items"]
    elif total_value is None or not lines:
        matches = None
    else:
        matches = Decimal(total_value) == line_sum
    fields: dict[str, Any] = dict(spec.get("fields", {}))
    for key, conf_key in (("patient.member_id", "member_id_confidence"), ("total", "total_confidence")):
        if spec.get(conf_key) is not None:
            fields[key] = _evidence(spec[conf_key])
    if spec.get("date_confidence") is not None:
        fields["service_dates[0]"] = _evidence(spec["date_confidence"])
    provider = spec.get("provider") or {}
    dob = spec.get("dob")
    return {
        "document": {"file": spec.get("file", "claim.pdf"), "sha256": digest_of(str(spec.get("sha", "claim"))),
                     "pages": 1, "kind": "digital_pdf"},  # fmt: skip
        "patient": {"name": None, "member_id": spec.get("member_id"),
                    "date_of_birth": dob.isoformat() if isinstance(dob, dt.date) else dob},  # fmt: skip
        "provider": {"name": provider.get("name"), "npi": provider.get("npi"), "tax_id": None},
        "invoice_number": spec.get("invoice_number"),
        "service_dates": sorted(
            d.isoformat() if isinstance(d, dt.date) else str(d) for d in spec.get("dates", [])
        ),
        "diagnoses": [_diagnosis(d) for d in spec.get("diagnoses", [])],
        "line_items": lines,
        "total": total_value,
        "currency": spec.get("currency", "USD"),
        "checks": {"total_matches_line_items": matches},
        "fields": fields,
        "warnings": [],
    }


def claim_from_spec(spec: dict[str, Any]) -> Extraction:
    return Extraction.model_validate(claim_dict(spec))
