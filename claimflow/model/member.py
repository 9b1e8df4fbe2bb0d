"""Members and their policies, as the rules engine receives them (values, no database)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class PolicyStatus(StrEnum):
    active = "active"
    lapsed = "lapsed"
    terminated = "terminated"
    suspended = "suspended"


class Member(BaseModel):
    model_config = ConfigDict(frozen=True)

    member_id: str
    tenant: str = "default"
    plan_id: str
    coverage_start: dt.date
    coverage_end: dt.date | None = None
    status: PolicyStatus = PolicyStatus.active
    subscriber_id: str | None = Field(None, description="The subscriber whose policy covers this dependent.")
    relationship: str = Field("self", description="self, spouse, child, other")
    name: str | None = Field(None, description="PHI: stays in the members table, never in logs or audit payloads.")
    date_of_birth: dt.date | None = None

    @property
    def family_id(self) -> str:
        """The subscriber whose family this member belongs to (themselves when they are the subscriber)."""
        return self.subscriber_id or self.member_id


#: Columns of a members CSV / keys of a members YAML entry (only member_id, plan_id and coverage_start are required).
MEMBER_FIELDS = tuple(Member.model_fields)


def members_from_file(path: str | Path, *, tenant: str | None = None) -> list[Member]:
    """Read members from a ``.csv`` (header row of MEMBER_FIELDS) or ``.yaml`` (a list, or ``members:`` list).

    Errors name the file, the record (CSV line or YAML entry) and the field. ``tenant`` fills records without one.
    """
    from claimflow.errors import MembersFileError

    p = Path(path)
    if not p.is_file():
        raise MembersFileError(f"{p}: no such file", hint="give the path of a members .csv or .yaml file")
    suffix = p.suffix.lower()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise MembersFileError(f"{p}: cannot read: {e}") from e
    records: list[tuple[str, dict[str, Any]]] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        unknown = [c for c in (reader.fieldnames or []) if c not in MEMBER_FIELDS]
        if unknown:
            raise MembersFileError(f"{p}: unknown column(s) {', '.join(unknown)}; expected {', '.join(MEMBER_FIELDS)}")
        for row in reader:
            clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
            records.append((f"line {reader.line_num}", {k: v for k, v in clean.items() if v not in ("", None)}))
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise MembersFileError(f"{p}: not valid YAML: {e}") from e
        if isinstance(data, dict) and "members" in data:
            data = data["members"]
        if not isinstance(data, list):
            raise MembersFileError(f"{p}: expected a list of members (or a 'members:' list)")
        for i, entry in enumerate(data):
            if not isinstance(entry, dict):
                raise MembersFileError(f"{p}: members[{i}]: expected a mapping of fields")
            records.append((f"members[{i}]", {str(k): v for k, v in entry.items()}))
    else:
        raise MembersFileError(f"{p}: unsupported members file type {suffix!r}", hint="use .csv or .yaml")
    members: list[Member] = []
    seen: dict[tuple[str, str], str] = {}
    for where, rec in records:
        if tenant is not None:
            rec.setdefault("tenant", tenant)
        for key in ("member_id", "subscriber_id"):
            if key in rec and rec[key] is not None:
                rec[key] = str(rec[key])
        try:
            members.append(Member.model_validate(rec))
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(x) for x in err["loc"]) or "(record)"
            raise MembersFileError(f"{p}: {where}: {field}: {err['msg']}") from e
        key = (members[-1].tenant, members[-1].member_id)
        if key in seen:
            raise MembersFileError(f"{p}: {where}: member_id: {key[1]!r} is also in {seen[key]}")
        seen[key] = where
    return members
