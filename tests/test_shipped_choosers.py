"""The shipped choosers are the ones `make model` trained: their digests and their probabilities on receipts made
here are recorded (tests/fixtures/chooser/shipped.json) by the last step of `make model`:

    python tests/test_shipped_choosers.py --record

A model file edited by hand, trained on other data, or loaded differently fails here. The receipts are made from
text lines (synth_ocr), not real ones: the test needs neither tesseract nor /work/shared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_ocr import ocr_of  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "chooser" / "shipped.json"
RECEIPTS = [
    ["KEDAI RUNCIT MAJU SDN BHD", "(123456-X)", "NO. 5, JALAN BESAR", "GST REG 001234567890",
     "INVOICE CS00012345 DATE: 12/03/2018 14:05", "BREAD 2 X 2.50 5.00", "MILK 6.90", "SUB TOTAL 11.90",
     "GST 6% 0.71", "TOTAL 12.61", "ROUNDING -0.01", "TOTAL ROUNDED 12.60", "CASH 20.00", "CHANGE 7.40"],
    ["tan ah kow", "RESTORAN SRI MELATI", "SDN BHD", "TEL: 03-1234 5678", "TAX INVOICE", "Date: 01/02/2019",
     "NASI LEMAK 1 7.50 7.50", "TEH TARIK 2 2.20 4.40", "Total Amount: 11.90", "Cash 50.00", "Change 38.10"],
    ["CITY CLINIC", "Patient DOB: 04/07/1980", "Date of Service: 15/01/2024", "CONSULTATION 45.00",
     "LAB TEST 30.00", "TOTAL 75.00", "Payment due by 15/02/2024"],
]


def _probabilities(field: str, model: Any, lines: list[str]) -> list[float]:  # noqa: ANN401
    from extractors.chooser.date import page_candidates, page_dates
    from extractors.chooser.provider import candidates_and_features as provider_cf
    from extractors.chooser.total import candidates_and_features, money_of
    from extractors.layout import build_rows
    from extractors.ner import pipeline
    from extractors.provider import provider_name

    rows = build_rows(ocr_of(lines))
    if field == "total":
        x = candidates_and_features(rows, money_of(rows))[1]
    elif field == "service_date":
        money = money_of(rows)
        pd = page_dates(rows, {t.row for it in money.items for t in it.tokens}, currency=None,
                        text="\n".join(r.text for r in rows))
        x = page_candidates(pd, rows)[1]
    else:
        ents, _ = pipeline.entities(rows)
        x = provider_cf(rows, ents, provider_name(rows, ents))[1]
    return [round(float(p), 9) for p in model.predict(x)]


def _record() -> dict[str, Any]:
    from extractors.extract import shipped_choosers

    return {f: {"digest": m.digest, "ocr_fingerprint": m.training.get("ocr_fingerprint"),
                "documents": m.training.get("documents"),
                "probabilities": [_probabilities(f, m, lines) for lines in RECEIPTS]}
            for f, m in sorted(shipped_choosers().items())}


def test_the_shipped_choosers_are_the_recorded_ones() -> None:
    from extractors.extract import CHOOSER_FIELDS, shipped_choosers

    recorded = json.loads(FIXTURE.read_text("utf-8"))
    shipped = shipped_choosers()
    assert sorted(shipped) == sorted(recorded) and set(shipped) <= set(CHOOSER_FIELDS)
    for field, model in shipped.items():
        want = recorded[field]
        assert model.digest == want["digest"], f"{field}: the model file is not the one recorded; re-run make model"
        assert model.training["ocr_fingerprint"] == want["ocr_fingerprint"]
        for lines, probs in zip(RECEIPTS, want["probabilities"], strict=True):
            assert np.allclose(_probabilities(field, model, lines), probs, atol=1e-7), field


@pytest.mark.parametrize("field", ["total", "service_date", "provider"])
def test_each_shipped_chooser_records_how_it_was_trained(field: str) -> None:
    from extractors.chooser import model as M

    m = M.shipped(field)
    assert m is not None and m.learner == "logistic"
    t = m.training
    assert t["held_aside"] == 30 and t["documents"] > 200 and len(t["ocr_fingerprint"]) == 16
    assert set(t["sets"]) == {"sroie-dev", "sroie-train", "gen-chooser", "gen-chooser-intl"}


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(_record(), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"recorded {FIXTURE}")
