"""The learned provider-name chooser: letterhead candidates, their features, training, and extract() using it.
Fixtures are receipts made here (synth_ocr), not real ones."""

from __future__ import annotations

import numpy as np
import pytest
from synth_ocr import ocr_of, sroie_folder

from claimflow.evaluation.compare import normalize_name
from extractors.chooser import model as M
from extractors.chooser.provider import FEATURES, candidates_and_features, provider_candidates
from extractors.chooser.train import fit_provider, picks, provider_example
from extractors.extract import extract
from extractors.layout import build_rows
from extractors.ner import pipeline
from extractors.provider import provider_name

_NAMES = ["KEDAI RUNCIT MAJU", "SYARIKAT ANEKA JAYA", "RESTORAN SRI MELATI", "KLINIK DESA INDAH", "FARMASI SENTOSA",
          "PERNIAGAAN HUP SENG", "TIGA BINTANG HARDWARE", "KEDAI BUKU CAHAYA"]


def _made(i: int) -> tuple[list[str], str]:
    """A receipt whose letterhead is two rows on even ``i`` ("NAME" / "SDN BHD") and one with a branch code after
    the legal suffix on odd ``i``; a cashier's line above it on every third."""
    name = _NAMES[i % len(_NAMES)]
    head = [f"{name}", "SDN BHD"] if i % 2 == 0 else [f"{name} S/B KJ{i % 7}"]
    truth = f"{name} SDN BHD" if i % 2 == 0 else f"{name} S/B"
    lines = (["tan ah kow"] if i % 3 == 0 else []) + head + [
        f"({100000 + i}-X)", f"NO. {i + 1}, JALAN BESAR {i % 9}", "43300 SERI KEMBANGAN, SELANGOR",
        "TEL: 03-1234 5678", "TAX INVOICE", f"ITEM A {i}.50", f"TOTAL {i}.50"]
    return lines, truth


def _candidates(lines: list[str]):  # noqa: ANN202
    rows = build_rows(ocr_of(lines))
    ents, _ = pipeline.entities(rows)
    return rows, ents, provider_candidates(rows, provider_name(rows, ents))


def test_candidates_are_rows_runs_of_rows_and_readings_cut_at_the_name_s_end() -> None:
    lines, _ = _made(0)
    _, _, cands = _candidates(lines)
    values = [normalize_name(c.value) for c in cands]
    assert "kedai runcit maju sdn bhd" in values  # two rows read as one name
    assert "kedai runcit maju" in values  # the first row alone
    assert not any("100000" in v for v in values)  # the registration number is not part of a name
    assert len(values) == len(set(values))  # one candidate per value
    lines, _ = _made(1)
    _, _, cands = _candidates(lines)
    cut = [c for c in cands if normalize_name(c.value) == "syarikat aneka jaya s b"]
    assert cut and cut[0].kind in ("legal_cut", "rules")  # "... S/B KJ1": the name ends at its legal suffix


def test_features_describe_legal_words_place_and_what_follows() -> None:
    lines, _ = _made(2)
    rows, ents, cands = _candidates(lines)
    x = candidates_and_features(rows, ents, provider_name(rows, ents))[1]
    assert x.shape == (len(cands), len(FEATURES))
    by_value = {normalize_name(c.value): x[i] for i, c in enumerate(cands)}

    def f(value: str, name: str) -> float:
        return float(by_value[value][FEATURES.index(name)])

    assert f("restoran sri melati sdn bhd", "legal") == 1.0 and f("restoran sri melati sdn bhd", "span") == 2
    assert f("restoran sri melati sdn bhd", "reg_after") == 1.0  # the registration number's row follows
    assert f("restoran sri melati", "org") == 1.0 and f("restoran sri melati", "legal") == 0.0
    street = next(v for v in by_value if v.startswith("no 3 jalan"))
    assert f(street, "street") == 1.0 and f(street, "first") > f("restoran sri melati", "first")


def _examples(n: int = 40) -> list:
    return [provider_example(ocr_of(lines, name=f"r{i}.png"), truth, f"made/{i}")
            for i, (lines, truth) in enumerate(map(_made, range(n)))]


def test_training_is_deterministic_and_learns_the_letterhead() -> None:
    ex = _examples()
    assert all(e.reachable for e in ex)
    a, b = fit_provider(ex[:30], seed=1), fit_provider(ex[:30], seed=1)
    assert a.to_json() == b.to_json() and a.field == "provider" and a.features == FEATURES
    chosen = picks(a, ex[30:])
    assert [normalize_name(v) for v, _ in chosen] == [normalize_name(e.truth) for e in ex[30:]]
    again = M.from_json(a.to_json())
    assert np.allclose(again.predict(ex[0].x), a.predict(ex[0].x))
    with pytest.raises(ValueError, match="provider"):
        fit_provider([provider_example(ocr_of(["12.00", "3.40"]), "NOBODY SDN BHD", "x")])


def test_extract_lets_the_provider_chooser_decide_and_names_it() -> None:
    model = fit_provider(_examples(), seed=0)
    lines, truth = _made(41)
    ocr = ocr_of(lines)
    learned = extract(ocr, choosers={"provider": model})
    rules = extract(ocr, choosers={})
    assert normalize_name(learned.provider.name or "") == normalize_name(truth)
    assert model.version in learned.extractor and "chooser" not in rules.extractor
    assert 0.3 <= learned.fields["provider.name"].confidence <= 0.99
    # nothing to choose from: no name, and a warning says so
    empty = extract(ocr_of(["12.00", "3.40"]), choosers={"provider": model})
    assert empty.provider.name is None and any(w.startswith("provider.name") for w in empty.warnings)


def test_train_chooser_writes_the_provider_model_deterministically(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from claimflow.cli.main import app

    made = [_made(i) for i in range(22)]
    gold = sroie_folder(tmp_path, monkeypatch, [([*lines, "CASH 100.00"], {"company": truth, "total": f"{i}.50",
                                                                           "date": "12/03/2018"})
                                                for i, (lines, truth) in enumerate(made)])
    outs = []
    for k in range(2):
        t, p = tmp_path / f"t{k}.json", tmp_path / f"p{k}.json"
        res = CliRunner().invoke(app, ["model", "train-chooser", "--gold", str(gold), "--out", str(t),
                                       "--provider-out", str(p), "--ocr-cache", str(tmp_path / "c")])
        assert res.exit_code == 0, res.output
        outs.append(p.read_bytes())
    assert outs[0] == outs[1]
    pm = M.from_json(outs[0].decode())
    assert pm.field == "provider" and pm.features == FEATURES
    assert pm.training["documents"] == 19 and pm.training["held_aside"] == 3  # 000, 010, 020 never trained on
