"""The learned first-date-of-service chooser: candidates, features, training, its place in extract() and in
`claimflow model train-chooser`. Fixtures are receipts made here (synth_ocr), not real ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from synth_ocr import ocr_of, sroie_folder
from typer.testing import CliRunner

from extractors.chooser import date as D
from extractors.chooser import model as M
from extractors.chooser.train import date_example, fit_date, picks
from extractors.extract import extract
from extractors.layout import build_rows


def _page(lines: list[str]):  # noqa: ANN202
    rows = build_rows(ocr_of(lines))
    pd = D.page_dates(rows, set(), currency="MYR", text="\n".join(r.text for r in rows))
    return rows, pd


def test_every_printed_date_is_a_candidate_with_the_other_order_of_an_ambiguous_one() -> None:
    rows, pd = _page(["SHOP", "DATE: 03/04/2018 10:15", "TOTAL 5.00", "VALID UNTIL 25/12/2018"])
    cands = D.date_candidates(pd.dated, day_first=pd.day_first, rules_pick=pd.rules_pick)
    assert [(c.value.isoformat(), c.swapped) for c in cands] == [
        ("2018-04-03", False), ("2018-03-04", True), ("2018-12-25", False)]
    assert D.date_candidates([], day_first=True) == []
    assert D.date_features([], rows).shape == (0, len(D.FEATURES))


def test_features_describe_labels_time_and_the_rules_pick() -> None:
    rows, pd = _page(["SHOP", "DATE: 03/04/2018 10:15", "TOTAL 5.00", "VALID UNTIL 25/12/2018"])
    cands = D.date_candidates(pd.dated, day_first=pd.day_first, rules_pick=pd.rules_pick)
    x = D.date_features(cands, rows, rules_pick=pd.rules_pick)
    assert x.shape == (3, len(D.FEATURES)) and x.dtype == np.float32

    def f(i: int, name: str) -> float:
        return float(x[i, D.FEATURES.index(name)])

    assert f(0, "row_date") == 1 and f(0, "time_beside") == 1 and f(0, "is_first") == 1
    assert f(2, "row_due") == 1 and f(2, "row_date") == 0 and f(2, "is_latest") == 1
    assert f(1, "swapped") == 1 and f(0, "swapped") == 0
    assert pd.rules_pick is not None and pd.rules_pick[0] == dt.date(2018, 4, 3)
    assert f(0, "rules_pick") == 1 and f(2, "rules_pick") == 0


def _made(i: int) -> tuple[list[str], dt.date]:
    """A receipt whose date of service is labelled 'DATE' beside a time; a printed-on date comes first and an
    expiry date last, so neither the first nor the last date is the answer."""
    day = dt.date(2018, 1, 1) + dt.timedelta(days=7 * i)
    printed = dt.date(2017, 6, 1) + dt.timedelta(days=i)
    valid = day + dt.timedelta(days=90)
    lines = ["SHOP SDN BHD", f"REG 2017-06-{1 + i % 28:02d} PRINTED {printed:%d/%m/%Y}",
             f"INVOICE {1000 + i}", f"DATE: {day:%d/%m/%Y} 1{i % 10}:2{i % 6}", "ITEM A 4.50", "TOTAL 4.50",
             "CASH 10.00", "CHANGE 5.50",
             f"VOUCHER VALID UNTIL {valid:%d/%m/%Y}"]
    return lines, day


def _examples(n: int = 40) -> list:
    return [date_example(ocr_of(lines, name=f"r{i}.png"), day, f"made/{i}")
            for i, (lines, day) in enumerate(map(_made, range(n)))]


def test_training_is_deterministic_and_learns_the_date_of_service() -> None:
    ex = _examples()
    a, b = fit_date(ex[:30], seed=2), fit_date(ex[:30], seed=2)
    assert a.to_json() == b.to_json() and a.field == "service_date" and a.features == D.FEATURES
    chosen = picks(a, ex[30:])
    assert [v for v, _ in chosen] == [e.truth for e in ex[30:]]
    assert all(0.5 < p <= 1 for _, p in chosen)
    again = M.from_json(a.to_json())
    assert np.allclose(again.predict(ex[0].x), a.predict(ex[0].x))
    with pytest.raises(ValueError, match="service_date"):
        fit_date([date_example(ocr_of(["NO DATE HERE", "TOTAL 1.00"]), dt.date(2018, 1, 1), "x")])


def test_extract_lets_the_date_chooser_decide_the_first_date_of_service_only() -> None:
    model = fit_date(_examples(), seed=0)
    lines, day = _made(45)
    lines = [*lines[:4], f"ITEM B 2.00 {day + dt.timedelta(days=1):%d/%m/%Y}", *lines[4:]]
    ocr = ocr_of(lines)
    learned = extract(ocr, choosers={"service_date": model})
    rules = extract(ocr, choosers={})
    assert learned.service_dates[0] == day
    assert model.version in learned.extractor and "chooser" not in rules.extractor
    # its confidence is the model's probability (no calibration curve applies to it)
    p = float(model.predict(date_example(ocr, day, "x").x).max())
    assert learned.fields["service_dates[0]"].confidence == pytest.approx(min(0.99, p), abs=0.001)
    # the rules' later dates follow the chosen first one
    assert learned.service_dates[1:] == [d for d in rules.service_dates if d > day]


def test_train_chooser_writes_both_models_deterministically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimflow.cli.main import app

    gold = sroie_folder(tmp_path, monkeypatch, [
        (lines, {"company": "SHOP SDN BHD", "total": "4.50", "date": f"{day:%d/%m/%Y}"})
        for lines, day in map(_made, range(25))])
    outs = []
    for k in range(2):
        t, d = tmp_path / f"t{k}.json", tmp_path / f"d{k}.json"
        res = CliRunner().invoke(app, ["model", "train-chooser", "--gold", str(gold), "--out", str(t),
                                       "--date-out", str(d), "--ocr-cache", str(tmp_path / "c")])
        assert res.exit_code == 0, res.output
        outs.append((t.read_bytes(), d.read_bytes()))
    assert outs[0] == outs[1]
    dm = M.from_json(outs[0][1].decode())
    assert dm.field == "service_date" and dm.training["documents"] == 22 and dm.training["held_aside"] == 3


@pytest.mark.parametrize(("lines", "want"), [
    (["KEDAI MAJU SDN BHD", "GST REG 001234567890", "INVOICE CS00012345 DATE: 12/03/2018 14:05", "BREAD 5.00",
      "TOTAL 5.00", "CASH 10.00", "CHANGE 5.00"], dt.date(2018, 3, 12)),
    (["CITY CLINIC", "Patient DOB: 04/07/1980", "Date of Service: 15/01/2024", "CONSULTATION 45.00",
      "TOTAL 45.00", "Payment due by 15/02/2024"], dt.date(2024, 1, 15)),
])
def test_the_shipped_date_chooser_picks_the_date_of_service(lines: list[str], want: dt.date) -> None:
    from extractors.extract import shipped_choosers

    model = shipped_choosers()["service_date"]
    assert model.features == D.FEATURES
    out = extract(ocr_of(lines))
    assert out.service_dates[0] == want and model.version in out.extractor
    assert 0.5 < out.fields["service_dates[0]"].confidence <= 1
