"""Extraction evaluation: field scores, set scores, negation, calibration, gold loading, and the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimflow.evaluation.compare import add_failure, add_pair, evaluate_pairs, new_report
from claimflow.evaluation.gold import load_gold, parse_sroie_date
from claimflow.model.document import DocumentKind
from claimflow.model.extraction import (
    Diagnosis,
    DocumentRef,
    Evidence,
    Extraction,
    LineItem,
    Patient,
    Provider,
)


def _truth() -> dict:
    return Extraction(
        document=DocumentRef(file="a.png", sha256="0" * 64, pages=1, kind=DocumentKind.image),
        patient=Patient(name="Jane Q. Doe", member_id="XKP 123 456", date_of_birth="1980-02-03"),
        provider=Provider(name="Acme Clinic, Inc.", npi="1234567893", tax_id=None),
        invoice_number="INV-1",
        service_dates=["2025-03-07", "2025-03-09"],
        diagnoses=[Diagnosis(code="J06.9", description="x"), Diagnosis(code="J18.9", description="y", negated=True)],
        line_items=[LineItem(code="99213", amount="150.00"), LineItem(code="87880", amount="30.00")],
        total="180.00",
        balance_due="36.00",
        currency="USD",
    ).to_json_dict()


def test_perfect_prediction_scores_one() -> None:
    t = _truth()
    r = evaluate_pairs([(copy.deepcopy(t), t)])
    for name, sc in r.fields.items():
        assert sc.exact == 1.0, name
    assert r.fields["total"].f1 == 1.0
    assert r.fields["provider.tax_id"].f1 is None  # nothing to find, nothing found
    assert all(s.f1 == 1.0 for s in r.sets.values())
    assert r.negation_accuracy == 1.0


def test_null_is_a_miss_and_a_wrong_value_hurts_precision() -> None:
    t = _truth()
    p = copy.deepcopy(t)
    p["patient"]["member_id"] = None
    p["total"] = "36.00"  # the balance due read as the total
    r = new_report()
    add_pair(r, p, t, name="a.png")
    mid, total = r.fields["patient.member_id"], r.fields["total"]
    assert {(m["field"], m["expected"], m["got"]) for m in r.mismatches} == {
        ("patient.member_id", "XKP 123 456", None), ("total", "180.00", "36.00")}
    assert (mid.precision, mid.recall, mid.exact) == (None, 0.0, 0.0)
    assert (total.precision, total.recall, total.f1) == (0.0, 0.0, 0.0)


def test_value_where_truth_is_null_is_wrong() -> None:
    t = _truth()
    p = copy.deepcopy(t)
    p["provider"]["tax_id"] = "12-3456789"
    sc = evaluate_pairs([(p, t)]).fields["provider.tax_id"]
    assert sc.precision == 0.0 and sc.exact == 0.0


def test_normalized_name_and_id_matching() -> None:
    t = _truth()
    p = copy.deepcopy(t)
    p["provider"]["name"] = "ACME  CLINIC INC"
    p["patient"]["member_id"] = "xkp123456"
    p["total"] = "180.0"
    r = evaluate_pairs([(p, t)])
    assert r.fields["provider.name"].exact == 1.0
    assert r.fields["patient.member_id"].exact == 1.0
    assert r.fields["total"].exact == 1.0


def test_sets_and_negation() -> None:
    t = _truth()
    p = copy.deepcopy(t)
    p["line_items"] = [{"code": "99213", "amount": "150.00"}, {"code": None, "amount": "31.00"},
                       {"code": None, "amount": "5.00"}]
    p["diagnoses"][1]["negated"] = False
    p["service_dates"] = ["2025-03-07"]
    r = evaluate_pairs([(p, t)])
    amounts = r.sets["line_item_amounts"]
    assert (amounts.tp, amounts.predicted, amounts.expected) == (1, 3, 2)
    assert r.sets["service_dates"].precision == 1.0 and r.sets["service_dates"].recall == 0.5
    assert r.negation_accuracy == 0.5


def test_calibration_buckets_from_evidence() -> None:
    t = _truth()
    good = copy.deepcopy(t)
    good["fields"] = {"total": Evidence(page=1, bbox=[0, 0, 1, 1], confidence=0.93).model_dump()}
    bad = copy.deepcopy(t)
    bad["total"] = "1.00"
    bad["fields"] = {"total": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.55},
                     "unscored.key": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.99}}
    r = evaluate_pairs([(good, t), (bad, t)])
    by = {b.as_dict()["bucket"]: b.as_dict() for b in r.calibration}
    assert by["0.90-0.95"]["n"] == 1 and by["0.90-0.95"]["accuracy"] == 1.0
    assert by["0.50-0.60"]["n"] == 1 and by["0.50-0.60"]["accuracy"] == 0.0
    assert r.ece == pytest.approx((abs(1 - 0.93) + abs(0 - 0.55)) / 2)


def test_failures_count_as_documents() -> None:
    r = new_report()
    add_failure(r, "x.pdf", "encrypted_pdf", truth=_truth())
    assert r.documents == 1 and r.failed == {"encrypted_pdf": 1}
    assert r.fields["total"].recall == 0.0 and r.fields["total"].precision is None
    assert r.as_dict()["failures"][0]["kind"] == "encrypted_pdf"


@pytest.mark.parametrize(("text", "iso"), [("25/12/2018", "2018-12-25"), ("25-12-2018", "2018-12-25"),
                                           ("2018-12-25", "2018-12-25"), ("20180304", "2018-03-04"),
                                           ("25 DEC 2018", "2018-12-25"), ("12/28/2017", "2017-12-28"),
                                           ("02/01/18", "2018-01-02"), ("not a date", None)])
def test_sroie_dates(text: str, iso: str | None) -> None:
    assert parse_sroie_date(text) == iso


def _sroie(tmp_path: Path) -> Path:
    (tmp_path / "img").mkdir(parents=True)
    (tmp_path / "key").mkdir()
    (tmp_path / "img" / "000.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "key" / "000.json").write_text(json.dumps(
        {"company": "BOOK TA .K (TAMAN DAYA) SDN BHD", "date": "25/12/2018", "address": "x", "total": "9.00"}))
    (tmp_path / "key" / "001.json").write_text("{}")  # no image: skipped
    return tmp_path


def test_load_gold_sroie_and_generated(tmp_path: Path) -> None:
    docs = load_gold(_sroie(tmp_path / "s"))
    assert [d.path.name for d in docs] == ["000.jpg"]
    assert docs[0].truth == {"total": "9.00", "service_dates": ["2018-12-25"],
                             "provider": {"name": "BOOK TA .K (TAMAN DAYA) SDN BHD"},
                             "patient": {"name": None, "member_id": None, "date_of_birth": None}}
    # a shop's receipt names no patient: a patient name read off it is scored as a wrong value, none as right
    from claimflow.evaluation.compare import add_pair, new_report
    from claimflow.evaluation.gold import SROIE_FIELDS

    report = new_report(SROIE_FIELDS, sets=False)
    guessed = {**docs[0].truth, "patient": {"name": "JALAN PERMAS", "member_id": None, "date_of_birth": None}}
    add_pair(report, guessed, docs[0].truth, name="000.jpg")
    add_pair(report, docs[0].truth, docs[0].truth, name="001.jpg")
    assert report.fields["patient.name"].exact == 0.5 and report.fields["patient.member_id"].exact == 1.0
    gen = tmp_path / "g"
    gen.mkdir()
    (gen / "a.png").write_bytes(b"x")
    (gen / "a.truth.json").write_text(json.dumps(_truth()))
    (gen / "orphan.truth.json").write_text("{}")
    assert [d.path.name for d in load_gold(gen)] == ["a.png"]


def test_cli_eval_extract_with_a_fake_extractor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import extractors

    from claimflow.cli.main import app
    from claimflow.errors import EncryptedPdfError

    truth = _truth()
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "a.truth.json").write_text(json.dumps(truth))
    (tmp_path / "b.pdf").write_bytes(b"x")
    (tmp_path / "b.truth.json").write_text(json.dumps(truth))

    def fake(path: Path, settings: object) -> Extraction:
        if path.suffix == ".pdf":
            raise EncryptedPdfError(path, "password-protected")
        return Extraction.model_validate(truth)

    monkeypatch.setattr(extractors, "extract_file", fake)
    (tmp_path / "manifest.json").write_text(json.dumps([{"file": "a.png", "layout": "clinic"},
                                                       {"file": "b.pdf", "layout": "lab"}]))
    res = CliRunner().invoke(app, ["eval", "extract", "--gold", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["documents"] == 2 and report["failed"] == {"encrypted_pdf": 1}
    assert report["fields"]["total"]["precision"] == 1.0 and report["fields"]["total"]["recall"] == 0.5
    assert report["groups"]["clinic"]["exact"]["total"] == 1.0 and report["groups"]["lab"]["exact"]["total"] == 0.0
    assert report["mismatches"] == []  # the failed document is listed under failures, not mismatches
    assert CliRunner().invoke(app, ["eval", "extract", "--gold", str(tmp_path)]).exit_code == 0
    res = CliRunner().invoke(app, ["eval", "extract", "--gold", str(tmp_path / "nowhere")])
    assert res.exit_code == 3


def test_cli_eval_extract_scores_documents_written_by_hand_apart(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # a bill written by hand should come back empty: the report counts the values given on such bills (and the
    # wrong ones) apart from the printed bills' exact match
    import extractors

    from claimflow.cli.main import app

    truth = _truth()
    names = ("printed.png", "hand-empty.png", "hand-guess.png", "form.png")
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        (tmp_path / name.replace(".png", ".truth.json")).write_text(json.dumps(truth))
    guessed = json.loads(json.dumps(truth))
    guessed["total"] = "1.00"  # one value wrong, the rest right

    def fake(path: Path, settings: object) -> Extraction:
        if path.name == "hand-empty.png":
            return Extraction.model_validate({"document": truth["document"], "fields": {}})
        return Extraction.model_validate(guessed if path.name == "form.png" else truth)

    monkeypatch.setattr(extractors, "extract_file", fake)
    (tmp_path / "manifest.json").write_text(json.dumps([
        {"file": "printed.png", "layout": "clinic", "handwritten": False},
        {"file": "hand-empty.png", "layout": "clinic", "handwritten": True},
        {"file": "hand-guess.png", "layout": "clinic", "handwritten": True, "filled_in_by_hand": False},
        {"file": "form.png", "layout": "clinic", "handwritten": False, "filled_in_by_hand": True}]))
    res = CliRunner().invoke(app, ["eval", "extract", "--gold", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    captures = json.loads(res.output)["captures"]
    assert captures["printed"]["documents"] == 1 and captures["printed"]["exact"]["total"] == 1.0
    assert captures["printed"]["values_wrong"] == 0
    by_hand = captures["by hand"]
    assert by_hand["documents"] == 3
    given = captures["printed"]["values_reported"]
    assert given > 0 and by_hand["values_reported"] == 2 * given and by_hand["values_wrong"] == 1
    table = CliRunner().invoke(app, ["eval", "extract", "--gold", str(tmp_path)])
    assert table.exit_code == 0 and "By capture" in table.output and "by hand" in table.output
