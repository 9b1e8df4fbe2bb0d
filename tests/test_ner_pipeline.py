"""The spaCy pipeline pieces: row tokenizer, rule components, gold-span alignment, the shipped model."""

from __future__ import annotations

import json

import pytest
from synth_ocr import ocr_of
from typer.testing import CliRunner

from extractors.layout import build_rows
from extractors.ner import corpus, pipeline


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return pipeline.blank()


def test_row_doc_maps_every_token_to_its_ocr_word(nlp) -> None:  # type: ignore[no-untyped-def]
    rows = build_rows(ocr_of(["Patient:John Smith", "Member ID#:W123456789"]))
    rd = pipeline.row_doc(rows)
    doc = pipeline.make_doc(nlp, rd)
    assert [t.text for t in doc] == ["Patient:", "John", "Smith", "\n", "Member", "ID#:", "W123456789"]
    assert len(doc) == len(rd.tokens)
    assert rd.tokens[3] is None
    assert rd.tokens[0] is rd.tokens[1]  # "Patient:John" was one OCR word
    assert doc.text == rd.text


def test_dx_code_component_validates_and_repairs(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Diagnosis: J2O.9 E119 Q99.999\nRoom 110 and code A12")
    codes = [s._.icd_code for s in doc.spans["dx_codes"]]
    assert codes == ["J20.9", "E11.9"]  # undotted E119 counts on a diagnosis row; 110 and A12 elsewhere do not


def test_negation_component(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Dx: J18.9 ruled out\nDx: J20.9")
    assert [(s._.icd_code, s._.negated) for s in doc.spans["dx_codes"]] == [("J18.9", True), ("J20.9", False)]


def test_gold_spans_are_aligned_from_the_truth_in_ocr_text(nlp) -> None:  # type: ignore[no-untyped-def]
    rows = build_rows(ocr_of([
        "Lakeview Internal Medicine",
        "Patient: Sophia J. Ross   Acct # 8941 -630458",
        "Member ID: CBY672322571   DOS 03/07/2025",
        "J20.9 Acute bronchitis, unspecified",
        "99213 Office visit 126.97",
    ]))
    truth = {
        "patient": {"name": "Sophia J. Ross", "member_id": "CBY672322571"},
        "provider": {"name": "Lakeview Internal Medicine"},
        "invoice_number": "8941-630458",
        "diagnoses": [{"code": "J20.9", "description": "Acute bronchitis, unspecified"}],
        "line_items": [{"code": "99213", "amount": "126.97"}],
    }
    doc = corpus.annotate(pipeline.make_doc(nlp, pipeline.row_doc(rows)), truth)
    ents = {(e.label_, e.text) for e in doc.ents}
    assert ents == {
        ("PROVIDER", "Lakeview Internal Medicine"),
        ("PATIENT", "Sophia J. Ross"),
        ("INVOICE_NO", "8941 -630458"),
        ("MEMBER_ID", "CBY672322571"),
        ("DATE", "03/07/2025"),
        ("DX_CODE", "J20.9"),
        ("DIAGNOSIS", "Acute bronchitis, unspecified"),
        ("PROC_CODE", "99213"),
        ("MONEY", "126.97"),
    }


@pytest.mark.skipif(not (pipeline.MODEL_DIR / "config.cfg").exists(), reason="no trained model shipped yet")
def test_shipped_model_loads_with_every_label() -> None:
    nlp = pipeline.load()
    assert set(pipeline.LABELS) <= set(nlp.get_pipe("ner").labels)
    assert pipeline.version(nlp).startswith("claimflow-ner/")
    size = sum(f.stat().st_size for f in pipeline.MODEL_DIR.rglob("*") if f.is_file())
    assert size < 20_000_000


def test_model_info_command() -> None:
    from claimflow.cli.main import app

    result = CliRunner().invoke(app, ["model", "info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["extractor"].startswith(("claimflow-ner/", "claimflow-rules/"))
    assert "claimflow_dx_codes" in info["pipeline"]
    from extractors.calibration import shipped

    assert info["calibration"]["digest"] == shipped().digest and "*" in info["calibration"]["fields"]
