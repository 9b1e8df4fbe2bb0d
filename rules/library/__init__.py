"""The rule library: small named, versioned checks. ``RULES`` is the order the engine applies them in.

Each rule takes the claim's ``Context`` and records what it finds (denials, reviews, flags, a trace entry); pricing
rules fill in the money per line. Order matters: eligibility first (an unknown member stops the rest), then filing,
duplicates, data integrity, coverage, anomalies, and money last.
"""

from rules.library import anomalies, coverage, duplicates, eligibility, filing, integrity, pricing

RULES = (
    eligibility.member_known,
    eligibility.plan_available,
    eligibility.identity_match,
    filing.service_dates_present,
    eligibility.coverage_dates,
    eligibility.dependent_age,
    filing.timely_filing,
    duplicates.exact_duplicate,
    duplicates.possible_duplicate,
    duplicates.repeated_bill,
    integrity.currency,
    integrity.arithmetic,
    integrity.confidence,
    coverage.diagnoses,
    coverage.lines,
    anomalies.future_service_date,
    anomalies.high_amount,
    anomalies.claim_frequency,
    anomalies.round_total,
    pricing.price_lines,
)

__all__ = ["RULES"]
