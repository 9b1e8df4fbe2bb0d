"""Members files (CSV and YAML) parsed into Member values, with errors naming file, record and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claimflow.errors import MembersFileError
from claimflow.model.member import PolicyStatus, members_from_file

CSV = """member_id,plan_id,coverage_start,coverage_end,status,subscriber_id,relationship,name,date_of_birth
GLD-1001,GOLD-PPO,2025-01-01,,active,,self,Pat Doe,1980-05-04
GLD-1002,GOLD-PPO,2025-01-01,,active,GLD-1001,spouse,,
SLV-2001,SILVER-HMO,2024-07-01,2025-12-31,terminated,,self,,
"""

YAML = """
members:
  - {member_id: 1001, plan_id: DENTAL-VISION, coverage_start: 2026-01-01}
  - member_id: BRZ-3001
    plan_id: BRONZE-HDHP
    coverage_start: 2025-01-01
    status: lapsed
"""


def test_csv_members(tmp_path: Path) -> None:
    p = tmp_path / "members.csv"
    p.write_text(CSV)
    members = members_from_file(p, tenant="acme")
    assert [m.member_id for m in members] == ["GLD-1001", "GLD-1002", "SLV-2001"]
    assert members[0].date_of_birth == dt.date(1980, 5, 4) and members[0].tenant == "acme"
    assert members[1].family_id == "GLD-1001" and members[1].relationship == "spouse"
    assert members[2].status is PolicyStatus.terminated and members[2].coverage_end == dt.date(2025, 12, 31)


def test_yaml_members_with_numeric_ids(tmp_path: Path) -> None:
    p = tmp_path / "members.yaml"
    p.write_text(YAML)
    members = members_from_file(p)
    assert members[0].member_id == "1001" and members[0].tenant == "default"
    assert members[1].status is PolicyStatus.lapsed


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", "member_id,plan\nA,B\n", "unknown column(s) plan"),
        ("m.csv", "member_id,plan_id,coverage_start\nA,GOLD-PPO,someday\n", "line 2: coverage_start:"),
        ("m.yaml", "members: {a: 1}\n", "expected a list of members"),
        ("m.yaml", "- {member_id: A, plan_id: B}\n", "members[0]: coverage_start: Field required"),
        ("m.yaml", "- [1, 2]\n", "members[0]: expected a mapping"),
        ("m.yaml", "- {member_id: A\n", "not valid YAML"),
        ("m.txt", "hello", "unsupported members file type"),
        ("m.csv", "member_id,plan_id,coverage_start\nA,G,2025-01-01\nA,G,2025-01-01\n",
         "line 3: member_id: 'A' is also in line 2"),
    ],
)
def test_bad_members_files_name_file_record_and_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(MembersFileError) as info:
        members_from_file(p)
    assert str(p) in info.value.message and message in info.value.message


def test_missing_members_file(tmp_path: Path) -> None:
    with pytest.raises(MembersFileError, match="no such file"):
        members_from_file(tmp_path / "nope.csv")
