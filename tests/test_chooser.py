"""The learned total chooser: candidates, features, the model file, the shipped model's picks, and the folds that
measure it. Fixtures are receipts made here (synth_ocr), not real ones."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from synth_ocr import ocr_of
from typer.testing import CliRunner

from claimflow.errors import ConfigurationError
from claimflow.evaluation import folds as FO
from extractors.calibration import ALL_FIELDS, Calibration, Curve
from extractors.chooser import model as M
from extractors.chooser.total import FEATURES, candidates_and_features, choose, money_of, total_candidates
from extractors.chooser.train import fit_total, picks, total_example
from extractors.extract import extract, shipped_choosers
from extractors.layout import build_rows, labelled_amounts

RECEIPT = [
    "KEDAI RUNCIT MAJU SDN BHD",
    "INVOICE 1234  DATE 12/03/2018",
    "BREAD 2 X 2.50 5.00",
    "MILK 1 X 6.90 6.90",
    "EGGS 1 X 12.00 12.00",
    "SUB TOTAL 23.90",
    "GST 6% 1.43",
    "TOTAL 25.33",
    "ROUNDING 0.02",
    "TOTAL ROUNDED 25.35",
    "CASH 50.00",
    "CHANGE 24.65",
]


def _feature(x: np.ndarray, i: int, name: str) -> float:
    return float(x[i, FEATURES.index(name)])


def test_every_printed_amount_is_a_candidate_in_reading_order() -> None:
    rows = build_rows(ocr_of(RECEIPT))
    values = [c.value for c in total_candidates(rows, labelled_amounts(rows))]
    assert values == [Decimal(v) for v in ("2.50", "5.00", "6.90", "6.90", "12.00", "12.00", "23.90", "1.43",
                                           "25.33", "0.02", "25.35", "50.00", "24.65")]


def test_features_describe_label_rank_and_arithmetic() -> None:
    rows = build_rows(ocr_of(RECEIPT))
    cands, x = candidates_and_features(rows, money_of(rows))
    assert x.shape == (len(cands), len(FEATURES)) and x.dtype == np.float32
    at = {str(c.value): i for i, c in enumerate(cands)}
    cash, total, sub = at["50.00"], at["25.35"], at["23.90"]
    assert _feature(x, cash, "is_max") == 1 and _feature(x, total, "rank") == 1
    assert _feature(x, cash, "row_cash") == 1 and _feature(x, cash, "row_total") == 0
    assert _feature(x, total, "row_total") == 1 and _feature(x, total, "role_total") == 1
    assert _feature(x, sub, "row_sub") == 1 and _feature(x, sub, "role_subtotal") == 1
    assert _feature(x, at["25.33"], "sum_of_two_above") == 1  # 23.90 + 1.43
    assert _feature(x, total, "paid_against_below") == 1  # 50.00 - 24.65
    assert _feature(x, total, "rules_pick") == 1 and _feature(x, cash, "rules_pick") == 0
    assert _feature(x, cash, "larger_below") == 0 and _feature(x, sub, "larger_below") == 1


def test_no_amount_no_candidate_no_choice() -> None:
    rows = build_rows(ocr_of(["THANK YOU", "PLEASE COME AGAIN"]))
    cands, x = candidates_and_features(rows, money_of(rows))
    assert cands == [] and x.shape == (0, len(FEATURES))
    model = shipped_choosers()["total"]
    assert choose(model, cands, x) is None


def _training_examples() -> list:
    """Small made-up receipts whose total is the last 'TOTAL' amount; the cash paid is always larger."""
    out = []
    for i in range(40):
        a, b = Decimal(3 + i) + Decimal("0.50"), Decimal(7 + 2 * i) + Decimal("0.25")
        total = a + b
        cash = (total + 20).to_integral_value()
        lines = ["SHOP", f"ITEM A {a}", f"ITEM B {b}", f"TOTAL {total}", f"CASH {cash}.00",
                 f"CHANGE {cash - total}"]
        out.append(total_example(ocr_of(lines, name=f"r{i}.png"), total, f"made/{i}"))
    return out


def test_training_is_deterministic_and_learns_the_total() -> None:
    examples = _training_examples()
    a = fit_total(examples[:30], seed=3)
    b = fit_total(examples[:30], seed=3)
    assert a.to_json() == b.to_json() and a.digest == b.digest
    chosen = picks(a, examples[30:])
    assert [v for v, _ in chosen] == [e.truth for e in examples[30:]]
    assert all(0.5 < p <= 1 for _, p in chosen)


def test_logistic_learner_round_trips_through_json() -> None:
    examples = _training_examples()
    m = fit_total(examples, learner="logistic", seed=0)
    again = M.from_json(m.to_json())
    x = examples[0].x
    assert np.allclose(m.predict(x), again.predict(x)) and again.digest == m.digest


def test_a_damaged_model_file_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="chooser model"):
        M.from_json('{"format": "something else"}', "total.json")
    with pytest.raises(ConfigurationError):
        M.from_json("not json", "total.json")
    with pytest.raises(ValueError, match="features"):
        shipped_choosers()["total"].predict(np.zeros((1, 3)))


@pytest.mark.parametrize(("lines", "want"), [
    (RECEIPT, "25.35"),
    (["CLINIC ABC", "CONSULTATION 45.00", "MEDICINE 30.50", "GRAND TOTAL 75.50", "CASH 100.00", "CHANGE 24.50"],
     "75.50"),
    (["CAFE", "NASI LEMAK 8.50", "TEH TARIK 2.20", "TOTAL (RM) 10.70", "PAID 10.70"], "10.70"),
])
def test_the_shipped_model_picks_the_total_of_made_receipts(lines: list[str], want: str) -> None:
    rows = build_rows(ocr_of(lines))
    picked = choose(shipped_choosers()["total"], *candidates_and_features(rows, money_of(rows)))
    assert picked is not None and picked.candidate.value == Decimal(want) and picked.probability > 0.5


def test_extract_names_the_chooser_and_can_run_on_rules_alone() -> None:
    ocr = ocr_of(RECEIPT)
    learned = extract(ocr)
    rules = extract(ocr, choosers={})
    model = shipped_choosers()["total"]
    assert model.version in learned.extractor and "chooser" not in rules.extractor
    assert learned.total == rules.total == Decimal("25.35")
    assert 0.3 <= learned.fields["total"].confidence <= 1
    # the chooser's probability is its confidence: no calibration curve fitted on the rules applies to it
    half = Calibration({ALL_FIELDS: Curve((1.0,), (0.5,))})
    assert extract(ocr, calibration=half).fields["total"].confidence == learned.fields["total"].confidence


def test_folds_are_deterministic_disjoint_and_keep_the_held_aside_receipts_out() -> None:
    ids = [f"sroie-train/{n:03d}" for n in range(100, 200)] + [f"clinic-s7-{n:05d}" for n in range(20)]
    folds, aside = FO.split(ids, 5, seed=31)
    # a document's fold does not depend on the other documents or their order
    assert [sorted(f) for f in folds] == [sorted(f) for f in FO.split(list(reversed(ids)), 5, seed=31)[0]]
    assert FO.split(ids[:50], 5, seed=31)[0] == [[i for i in f if i in ids[:50]] for f in folds]
    assert sorted(aside) == [f"sroie-train/{n}" for n in range(100, 200, 10)]
    flat = [i for f in folds for i in f]
    assert len(flat) == len(set(flat)) == len(ids) - len(aside)
    assert all(FO.fold_of(i, 5, 31) == k for k, f in enumerate(folds) for i in f)
    assert FO.split(ids, 5, seed=32)[0] != folds  # the seed moves documents between folds
    for f in range(5):
        train, test = FO.train_test(ids, ids, f, 5, 31)
        assert not set(train) & set(test) and not set(aside) & set(train + test)
    assert not FO.held_aside("clinic-s7-00010") and FO.held_aside("290")
    with pytest.raises(ValueError):
        FO.fold_of("x", 1)


def _receipt(i: int) -> tuple[list[str], str]:
    a, b = Decimal(4 + i) + Decimal("0.40"), Decimal(2 + 3 * i) + Decimal("0.35")
    total = a + b
    cash = (total + 10).to_integral_value()
    return (["MINI MARKET", f"DATE 0{1 + i % 9}/03/2018", f"SUGAR {a}", f"FLOUR {b}", f"TOTAL {total}",
             f"CASH {cash}.00", f"CHANGE {cash - total}"], str(total))


def _receipts_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> Path:
    """A SROIE-format folder of ``count`` made receipts, their OCR faked (no tesseract, no real data)."""
    import extractors.ner.ocr_cache as cache

    gold = tmp_path / "receipts"
    (gold / "img").mkdir(parents=True)
    (gold / "key").mkdir()
    ocr_by_name = {}
    for i in range(count):
        lines, total = _receipt(i)
        (gold / "img" / f"{i:03d}.jpg").write_bytes(b"jpg %d" % i)
        (gold / "key" / f"{i:03d}.json").write_text(json.dumps({"company": "MINI MARKET", "date": "01/03/2018",
                                                                "total": total}))
        ocr_by_name[f"{i:03d}.jpg"] = ocr_of(lines, name=f"{i:03d}.jpg")

    def fake_read_cached(paths, cache_dir, *, workers=1, options=None):  # noqa: ANN001, ANN202
        return [(Path(p), ocr_by_name[Path(p).name]) for p in paths]

    monkeypatch.setattr(cache, "read_cached", fake_read_cached)
    monkeypatch.setattr(cache, "fingerprint", lambda *a, **k: "test")
    return gold


def test_train_chooser_is_deterministic_and_never_trains_on_the_held_aside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimflow.cli.main import app

    gold = _receipts_folder(tmp_path, monkeypatch, 11)
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        res = CliRunner().invoke(app, ["model", "train-chooser", "--gold", str(gold), "--out", str(out),
                                       "--ocr-cache", str(tmp_path / "c")])
        assert res.exit_code == 0, res.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    model = M.from_json(outs[0].read_text())
    assert model.training["documents"] == 9 and model.training["held_aside"] == 2  # 000 and 010
    assert model.training["sets"] == {"receipts": 9} and model.features == FEATURES


def test_eval_extract_folds_scores_each_receipt_once_and_never_the_held_aside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`eval extract --folds` on a SROIE-format folder (OCR faked: the test needs no tesseract and no real data)."""
    from claimflow.cli.main import app

    gold = _receipts_folder(tmp_path, monkeypatch, 11)
    args = ["eval", "extract", "--gold", str(gold), "--folds", "2", "--ocr-cache", str(tmp_path / "c"), "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    scored = [f["test_docs"] for f in out["per_fold"]]
    assert out["pooled"]["rules"]["documents"] == sum(scored) == 9  # 000 and 010 held aside
    assert all(f["train_docs"] + f["test_docs"] == 9 for f in out["per_fold"])
    assert out["pooled"]["rules"]["exact"]["total"] == 1.0
    assert out["pooled"]["learned"]["exact"]["total"] is not None
    once = json.loads(CliRunner().invoke(app, [*args, "--held-aside"]).output)
    assert once["pooled"]["rules"]["documents"] == 2 and once["per_fold"][0]["train_docs"] == 9
    table = CliRunner().invoke(app, [*args[:-1], "--held-aside"])
    assert table.exit_code == 0 and "held aside" in table.output
    bad = CliRunner().invoke(app, ["eval", "extract", "--gold", str(gold), "--gold", str(gold)])
    assert bad.exit_code != 0  # several --gold need --folds
