"""The reason-code catalogue: X12 835-style group codes, CARC-style adjustment codes and RARC-style remarks, with the
plain-language text an Explanation of Benefits shows. Rules build their sentences from these; the EOB itself is
rendered by ``Decision.explain()`` (claimflow/model/eob.py) from what the decision carries.

Descriptions paraphrase the public X12 code lists; claimflow uses the codes as a vocabulary, not as an 835 emitter.
"""

from __future__ import annotations

from decimal import Decimal


GROUPS = {
    "CO": "Contractual obligation — the provider writes this off; you do not owe it.",
    "PR": "Patient responsibility — you may be billed for this.",
    "OA": "Other adjustment — no payment decision yet, or informational.",
    "PI": "Payer-initiated reduction.",
}

#: CARC-style codes claimflow uses, with a short description.
CARC = {
    "1": "Deductible amount",
    "2": "Coinsurance amount",
    "3": "Co-payment amount",
    "11": "The diagnosis is inconsistent with the procedure",
    "16": "The claim lacks information needed to adjudicate it",
    "18": "Exact duplicate claim/service",
    "26": "Expenses incurred before coverage began",
    "27": "Expenses incurred after coverage terminated",
    "29": "The time limit for filing has expired",
    "31": "The patient cannot be identified as our insured",
    "32": "The patient is not an eligible dependent",
    "45": "The charge exceeds the fee schedule/maximum allowable",
    "96": "Non-covered charge",
    "119": "Benefit maximum for this time period or occurrence has been reached",
    "133": "The disposition of this claim/service is pending further review",
    "177": "The patient has not met the eligibility requirements (waiting period)",
    "200": "Expenses incurred during a lapse in coverage",
    "204": "This service is not covered under the patient's current benefit plan",
}

#: RARC-style remarks.
RARC = {
    "M51": "Missing, incomplete or invalid procedure code",
    "M76": "Missing, incomplete or invalid diagnosis",
    "N130": "Consult plan benefit documents for restrictions on this service",
    "N362": "The number of units of service exceeds the acceptable maximum",
    "N381": "Consult our contractual agreement for restrictions on these charges",
    "N522": "Duplicate of a claim already processed",
    "MA130": "The claim contains incomplete or invalid information",
    "N30": "Patient ineligible for this service",
    "N56": "Procedure code billed is not correct/valid for the services billed or the date of service",
}


def money(value: Decimal) -> str:
    """``$1,234.50`` for sentences (amounts are already quantized to cents; str() is the fast path)."""
    if -1000 < value < 1000:
        return "$" + str(value)
    return f"${value:,.2f}"


def describe(group: str, code: str, remark: str | None = None) -> str:
    """``CO-45: The charge exceeds the fee schedule/maximum allowable (N381: …)``."""
    text = f"{group}-{code}: {CARC.get(code, 'Adjustment')}"
    if remark:
        text += f" ({remark}: {RARC.get(remark, 'see remark')})"
    return text
