"""The OpenAPI document is the contract: schemathesis generates requests for every operation (bounded examples) and
checks the answers — no server error, every status and content type documented, every body matching its schema.
Authenticated with real keys (a reviewer's and an admin's, so every route is reached past its role check)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from api_helpers import SAMPLES, make_api
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
ROLES = ("reviewer", "admin")
EXAMPLES = 15  # per operation and role: bounded


@pytest.mark.parametrize("role", ROLES)
def test_openapi_contract(sqlite_engine: Engine, tmp_path: Path, role: str) -> None:
    api = make_api(sqlite_engine, tmp_path, api_rate_per_second=10_000, api_rate_burst=10_000)
    # one real claim, so that routes given the example claim id find something at times
    api.submit(("bill.pdf", (SAMPLES / "clinic-digital.pdf").read_bytes()), role="submitter")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    headers = {"Authorization": f"Bearer {api.keys[('acme', role)]}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as e:  # noqa: BLE001 - collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {type(e).__name__}: {str(e)[:1500]}")
    assert not failures, "\n\n".join(failures)


def test_an_amount_too_large_to_hold_in_cents_is_a_value_error_not_a_crash() -> None:
    """Found by the contract test: an adjusted amount of 40 digits was a 500 (decimal.InvalidOperation)."""
    from claimflow.money import to_money

    with pytest.raises(ValueError, match="too large"):
        to_money("9" * 40 + ".00")
