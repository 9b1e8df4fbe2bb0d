"""The sidecar ``NAME.json`` beside a document in the watched folder: parsed and validated, never trusted as a path.

Pure: bytes in, a :class:`Sidecar` out, or a :class:`~claimflow.errors.SidecarError` naming the file and the problem.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from claimflow.errors import SidecarError


@dataclass(frozen=True)
class Sidecar:
    member_id: str | None = None
    claim_reference: str | None = None
    received_on: dt.date | None = None


@cache
def sidecar_schema() -> dict[str, Any]:
    return json.loads(resources.files("claimflow.schemas").joinpath("sidecar.schema.json").read_text("utf-8"))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice")
        out[key] = value
    return out


def parse_sidecar(data: bytes, *, name: str, max_bytes: int, today: dt.date) -> Sidecar:
    """Validate a sidecar's bytes against claimflow/schemas/sidecar.schema.json. ``name`` is only used in errors."""
    if len(data) > max_bytes:
        raise SidecarError(name, f"sidecar is {len(data)} bytes, more than CLAIMFLOW_WATCH_SIDECAR_MAX_BYTES "
                                 f"({max_bytes})")
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as e:
        raise SidecarError(name, f"sidecar is not UTF-8 JSON: {e}") from e
    validator = jsonschema.Draft202012Validator(
        sidecar_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
        raise SidecarError(name, f"sidecar does not match the schema: {problems}")
    received_on = dt.date.fromisoformat(value["received_on"]) if "received_on" in value else None
    if received_on is not None and received_on > today:
        raise SidecarError(name, f"sidecar received_on {received_on.isoformat()} is in the future")
    return Sidecar(member_id=value.get("member_id"), claim_reference=value.get("claim_reference"),
                   received_on=received_on)
