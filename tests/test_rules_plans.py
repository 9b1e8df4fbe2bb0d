"""Plans: the shipped ones load; malformed ones fail naming file, line, field path and problem; codes match."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from claimflow.errors import ExitCode, PlanError
from rules import PLANS_DIR, load_plan, load_plans
from rules.codes import normalize_icd, normalize_procedure, parse_icd_spec, parse_procedure_spec

GOLD = PLANS_DIR / "gold-ppo.yaml"


def test_shipped_plans_load_with_their_content_digest_as_version() -> None:
    plans = load_plans()
    assert set(plans) == {"GOLD-PPO", "SILVER-HMO", "BRONZE-HDHP", "DENTAL-VISION"}
    for plan in plans.values():
        raw = Path(plan.source).read_bytes()
        assert plan.version == "sha256:" + hashlib.sha256(raw).hexdigest()
    gold = plans["GOLD-PPO"]
    assert gold.deductible.individual == Decimal("500.00") and gold.coinsurance == Decimal(20)
    assert isinstance(gold.fee_schedule["99213"], Decimal)


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def gold_with(old: str, new: str) -> str:
    text = GOLD.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "problem"),
    [
        ("copay: 25.00", "copay: twenty-five", 49, "categories[2].copay", "not an amount of money"),
        ("coinsurance: 20 ", "coinsurance: 120 ", 15, "coinsurance", "less than or equal to 100"),
        ("timely_filing_days: 365", "timely_filing_days: 365\nsurprise: 1", 10, "surprise", "unknown field"),
        ("codes: [99202-99215]", "codes: [99215-99202]", 48, "categories[2].codes", "low to high"),
        ("name: Gold PPO\n", "", 4, "name", "required field is missing"),
        ('"99213": 105.00', '"99213": 105.00\n  "99213": 1.00', 128, "fee_schedule.99213", "duplicate key"),
        ("deductible: {individual: 500.00, family: 1000.00}", "deductible: {individual: 500.00, family: 100.00}", 13,
         "deductible", "family amount is below"),
    ],
)
def test_malformed_plan_names_file_line_path_and_problem(
    tmp_path: Path, old: str, new: str, line: int, path: str, problem: str
) -> None:
    p = write(tmp_path, gold_with(old, new))
    with pytest.raises(PlanError) as info:
        load_plan(p)
    msg = info.value.message
    assert f"{p}:{line}: {path}: " in msg, msg
    assert problem in msg
    assert info.value.exit_code is ExitCode.plan_invalid


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "id: X\nname: [unclosed\ncurrency: USD\n")
    with pytest.raises(PlanError, match=rf"{p}:\d+: not valid YAML"):
        load_plan(p)


def test_a_plan_must_be_a_mapping_and_not_empty(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="the file is empty"):
        load_plan(write(tmp_path, ""))
    with pytest.raises(PlanError, match=r":1: \(top level\): a plan is a mapping"):
        load_plan(write(tmp_path, "- a\n- b\n"))


def test_version_cannot_be_written_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="version: set by the loader"):
        load_plan(write(tmp_path, "version: v9\n" + GOLD.read_text()))


def test_numbers_are_read_as_decimal_from_their_text(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, gold_with("coinsurance: 20 ", "coinsurance: 12.35 ")))
    assert plan.coinsurance == Decimal("12.35")


def test_duplicate_plan_ids_across_files_and_empty_directories(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no plan files"):
        load_plans(tmp_path)
    write(tmp_path, GOLD.read_text(), "a.yaml")
    write(tmp_path, GOLD.read_text(), "b.yaml")
    with pytest.raises(PlanError, match=r"b.yaml: id: plan 'GOLD-PPO' is also defined in .*a.yaml"):
        load_plans(tmp_path)
    with pytest.raises(PlanError, match="not a directory"):
        load_plans(tmp_path / "missing")


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("99213", ("CPT", "99213")),
        (" 99213-25 ", ("CPT", "99213")),
        ("0001F", ("CPT", "0001F")),
        ("J1100", ("HCPCS", "J1100")),
        ("d1110", ("CDT", "D1110")),
        ("0002-1433-80", ("NDC", "00002143380")),
        ("50090-347-01", ("NDC", "50090034701")),
        ("12345-6789-1", ("NDC", "12345678901")),
        ("NDC 00093-7146-56", ("NDC", "00093714656")),
        ("00093714656", ("NDC", "00093714656")),
        ("99Z1X", (None, None)),
        ("1234", (None, None)),
        ("", (None, None)),
    ],
)
def test_procedure_codes_are_recognised_as_printed(printed: str, expected: tuple[str | None, str | None]) -> None:
    assert normalize_procedure(printed) == expected


def test_code_specs_and_plan_categories() -> None:
    assert parse_procedure_spec("99202-99215").matches("CPT", "99213")
    assert not parse_procedure_spec("99202-99215").matches("CPT", "99216")
    assert parse_procedure_spec("NDC:*").matches("NDC", "00002143380")
    assert not parse_procedure_spec("NDC:*").matches("CPT", "99213")
    assert parse_procedure_spec("D2*").matches("CDT", "D2740")
    for bad in ("99215-99202", "NDC:xyz", "99213-D1110", "hello"):
        with pytest.raises(ValueError):
            parse_procedure_spec(bad)
    assert parse_icd_spec("J00-J99").matches(normalize_icd("J06.9") or "")
    assert parse_icd_spec("Z41.1").matches("Z411") and not parse_icd_spec("Z41.1").matches("Z412")
    assert parse_icd_spec("H52.0-H52.7").matches("H5213")
    assert parse_icd_spec("chapter:10").matches("J069") and not parse_icd_spec("chapter:10").matches("K029")
    assert parse_icd_spec("chapter:15").matches("O9A211")
    with pytest.raises(ValueError, match="numbered 1-22"):
        parse_icd_spec("chapter:23")
    gold = load_plans()["GOLD-PPO"].compiled
    names = {c: gold.categories[i].name for c, i in (("15823", gold.category_of("CPT", "15823")),
                                                     ("99213", gold.category_of("CPT", "99213")),
                                                     ("00100", gold.category_of("CPT", "00100")))}  # fmt: skip
    assert names == {"15823": "cosmetic", "99213": "office_visit", "00100": "anesthesia"}
    assert gold.category_of("CDT", "D1110") is None
