"""The extraction contract: the JSON schema shipped in claimflow/schemas/ and a validator for it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


@cache
def extraction_schema() -> dict[str, Any]:
    text = resources.files("claimflow.schemas").joinpath("extraction.schema.json").read_text("utf-8")
    return json.loads(text)


def extraction_errors(instance: Any) -> list[str]:
    """Every way ``instance`` breaks the contract, as ``path: message`` strings (empty when valid)."""
    validator = jsonschema.Draft202012Validator(
        extraction_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def validate_extraction(instance: Any) -> None:
    errors = extraction_errors(instance)
    if errors:
        raise ValueError("extraction does not match the schema: " + "; ".join(errors))


#: The contract's version (the schema's ``version``): 2 added ``bills`` for documents holding several bills.
EXTRACTION_SCHEMA_VERSION = 2


def schema_version() -> int:
    """The version the shipped schema file declares; ``EXTRACTION_SCHEMA_VERSION`` is what this code writes."""
    return int(extraction_schema()["version"])
