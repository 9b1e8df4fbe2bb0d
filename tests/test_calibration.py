"""Confidence calibration: fitting (isotonic, shrunk), the shipped curves, and what extract() reports through them."""

from __future__ import annotations

import random

import pytest
from synth_ocr import ocr_of

from claimflow.evaluation.compare import calibration_error, evaluate_pairs, scored_confidences
from extractors import calibration as C
from extractors.extract import extract


def _pairs(path: str, n: int, accuracy, *, seed: int = 1) -> list[tuple[str, float, bool]]:  # noqa: ANN001
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        raw = round(rng.uniform(0.3, 1.0), 2)
        out.append((path, raw, rng.random() < accuracy(raw)))
    return out


def test_an_underconfident_field_is_mapped_to_the_accuracy_observed() -> None:
    pairs = _pairs("total", 4000, lambda raw: min(1.0, 0.4 + 0.6 * raw ** 0.5))  # right more often than it says
    cal = C.fit(pairs)
    for raw in (0.5, 0.7, 0.85):
        want = min(1.0, 0.4 + 0.6 * raw ** 0.5)
        assert cal("total", raw) == pytest.approx(want, abs=0.05)
        assert cal("total", raw) > raw + 0.09
    before = calibration_error((c, ok) for _, c, ok in pairs)
    after = calibration_error((cal(p, c), ok) for p, c, ok in pairs)
    assert before > 0.1 and after < 0.03


def test_the_curve_is_monotone_and_capped() -> None:
    cal = C.fit(_pairs("total", 2000, lambda raw: 1.0 if raw > 0.6 else 0.2))
    values = [cal("total", x / 100) for x in range(0, 101)]
    assert values == sorted(values)
    assert max(values) <= C.CEILING
    assert cal("total", 0.0) == 0.0


def test_a_field_with_few_values_uses_the_curve_of_all_fields() -> None:
    many = _pairs("total", 1000, lambda raw: 0.95)
    few = _pairs("provider.tax_id", C.MIN_PAIRS - 1, lambda raw: 0.1, seed=2)
    cal = C.fit(many + few)
    assert "provider.tax_id" not in cal.curves and "total" in cal.curves
    assert cal("provider.tax_id", 0.8) == round(cal.curves[C.ALL_FIELDS](0.8), 3)
    assert cal.source["values"] == {"provider.tax_id": C.MIN_PAIRS - 1, "total": 1000}


def test_a_block_of_few_values_stays_near_its_raw_confidence() -> None:
    # three values at 0.4, all wrong: unshrunk they would say 0.0; PRIOR pseudo-values at 0.4 hold them up
    pairs = [("total", 0.4, False)] * 3 + [("total", 0.9, True)] * 300 + [("total", 0.9, False)] * 30
    curve = C.fit(pairs).curves["total"]
    assert curve(0.4) == pytest.approx((0 + C.PRIOR * 0.4) / (3 + C.PRIOR), abs=1e-3)
    assert curve(0.9) == pytest.approx((300 + C.PRIOR * 0.9) / (330 + C.PRIOR), abs=1e-3)


def test_json_round_trip_and_digest() -> None:
    cal = C.fit(_pairs("total", 500, lambda raw: raw), {"gold": "cal", "seeds": [1]})
    back = C.Calibration.from_json(cal.to_json())
    assert back.curves == cal.curves and back.digest == cal.digest and len(cal.digest) == 8
    assert back.source["gold"] == "cal"
    assert C.IDENTITY.digest == "" and C.IDENTITY("total", 0.42) == 0.42


def test_a_broken_curve_file_is_refused() -> None:
    with pytest.raises(ValueError, match="not a claimflow-calibration/1 file"):
        C.Calibration.from_json('{"format": "other", "curves": {}}')
    bad = '{"format": "claimflow-calibration/1", "curves": {"total": {"raw": [0.5, 0.9], "calibrated": [0.9, 0.5]}}}'
    with pytest.raises(ValueError, match="'total' is not a monotone"):
        C.Calibration.from_json(bad, where="cal.json")


def test_fitting_needs_values() -> None:
    with pytest.raises(ValueError, match="no confidences"):
        C.fit([])


def test_the_shipped_calibration_loads_and_names_itself_in_the_extractor() -> None:
    cal = C.shipped()
    assert C.SHIPPED.is_file(), "claimflow model calibrate writes it; the model ships with it"
    assert C.ALL_FIELDS in cal.curves and cal.source.get("seeds")
    bill = extract(ocr_of(["Total Charges: $12.00"]))
    assert f" calibration {cal.digest}" in bill.extractor


BILL = [
    "Lakeview Internal Medicine",
    "Patient Name: Sophia J. Ross        Account No. ST124739",
    "DOB: 02/29/1980                     Date of Service: 03/07/2025",
    "Member ID: CBY672322571",
    "1. E78.5 - Hyperlipidemia, unspecified",
    "99214 Office visit, established patient           1      $231.27",
    "Total Charges:                                           $231.27",
]


def test_extract_reports_confidences_through_the_calibration_and_reads_the_same_values() -> None:
    ocr = ocr_of(BILL, confidence=0.6)
    raw = extract(ocr, calibration=C.IDENTITY, choosers={})  # the hand rules' confidences (a chooser's are not
    # calibrated: tests/test_chooser.py)
    # a calibration that says every value is right half as often as its raw confidence claims
    half = C.Calibration({C.ALL_FIELDS: C.Curve((1.0,), (0.5,))})
    low = extract(ocr, calibration=half, choosers={})
    assert low.model_dump(exclude={"fields", "diagnoses", "extractor"}) == raw.model_dump(
        exclude={"fields", "diagnoses", "extractor"})
    assert raw.fields.keys() == low.fields.keys() and raw.fields
    for path, ev in raw.fields.items():
        assert low.fields[path].confidence == pytest.approx(ev.confidence / 2, abs=1e-3), path
        assert low.fields[path].bbox == ev.bbox
    assert [d.evidence.confidence / 2 for d in raw.diagnoses] == pytest.approx(
        [d.evidence.confidence for d in low.diagnoses], abs=1e-3)
    assert "calibration" not in raw.extractor


def test_scored_confidences_are_what_the_calibration_table_counts() -> None:
    ex = extract(ocr_of(BILL), calibration=C.IDENTITY).to_json_dict()
    truth = {**ex, "patient": {**ex["patient"], "member_id": "CBY672322570"}}  # one field wrong
    pairs = scored_confidences(ex, truth)
    by_path = {p: ok for p, _, ok in pairs}
    assert by_path["patient.member_id"] is False and by_path["total"] is True
    assert by_path["diagnoses"] is True
    report = evaluate_pairs([(ex, truth)])
    assert sum(b.n for b in report.calibration) == len(pairs)
    assert sum(b.correct for b in report.calibration) == sum(ok for _, _, ok in pairs)


def test_the_calibrate_command_fits_and_writes_curves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    runner = CliRunner()
    gold = tmp_path / "cal"
    res = runner.invoke(app, ["samples", "generate", "--out", str(gold), "--count", "4", "--seed", "5",
                              "--formats", "digital_pdf"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "calibration.json"
    res = runner.invoke(app, ["model", "calibrate", "--gold", str(gold), "--ocr-cache", str(tmp_path / "ocr"),
                              "--out", str(out)], env={"CLAIMFLOW_DATA_DIR": str(tmp_path)})
    assert res.exit_code == 0, res.output
    cal = C.Calibration.from_json(out.read_text("utf-8"))
    assert f"calibration {cal.digest}" in res.output
    assert cal.source["seeds"] == [5] and cal.source["documents"] == 4
    assert set(cal.curves) == {C.ALL_FIELDS}  # four documents: too few values for any field's own curve
    assert sum(cal.source["values"].values()) > 20


def test_the_calibrate_command_refuses_a_sroie_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    (tmp_path / "img").mkdir()
    (tmp_path / "key").mkdir()
    res = CliRunner().invoke(app, ["model", "calibrate", "--gold", str(tmp_path), "--out", str(tmp_path / "c.json")])
    assert res.exit_code != 0 and "generated documents" in res.output
    assert not (tmp_path / "c.json").exists()
