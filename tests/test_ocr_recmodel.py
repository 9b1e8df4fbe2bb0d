"""The re-reading recogniser: PP-OCR's model from the rapidocr wheel, its output layer cut to the classes kept."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from extractors.ocr import recmodel, reread


def test_the_classes_kept() -> None:
    assert all(recmodel.kept(c) for c in "Az09$/.:-&()%#@")
    assert recmodel.kept("５") and recmodel.kept("（")  # full-width forms: NFKC makes them ASCII
    assert recmodel.kept("é") and recmodel.kept("—") and recmodel.kept("€")  # said, then refused by re-reading
    assert not recmodel.kept("有") and not recmodel.kept("。")
    # CTC's blank first, the space rapidocr's decoder appends last
    assert recmodel.classes(["a", "有", "b"]) == [0, 1, 3, 4]


@pytest.fixture(scope="module")
def models() -> tuple[ort.InferenceSession, ort.InferenceSession, list[str], list[str]]:
    full = ort.InferenceSession(str(recmodel.source_model()), providers=["CPUExecutionProvider"])
    cut, kept_chars = recmodel.load()
    return full, cut, full.get_modelmeta().custom_metadata_map["character"].splitlines(), kept_chars


def _line(text: str) -> np.ndarray:
    """A printed line as the recogniser's input (grey in three channels, [-1, 1], 48 px high)."""
    img = np.full((reread.REC_HEIGHT, 16 * len(text) + 48), 255, np.uint8)
    cv2.putText(img, text, (24, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2, cv2.LINE_AA)
    return np.repeat((img.astype(np.float32) / 127.5 - 1.0)[None, None], 3, axis=1)


def test_the_cut_model_is_the_full_one_renormalised_over_the_kept_classes(models) -> None:  # noqa: ANN001
    full, cut, characters, kept_chars = models
    keep = recmodel.classes(characters)
    assert kept_chars == [c for c in characters if recmodel.kept(c)]
    assert cut.get_modelmeta().custom_metadata_map["character"].splitlines() == kept_chars
    assert len(characters) > 20 * len(keep)  # 18,708 characters, 750 classes kept
    x = _line("Total 45.60 12/03/2024")
    (p_full,) = full.run(None, {"x": x})
    (p_cut,) = cut.run(None, {"x": x})
    assert p_cut.shape == (*p_full.shape[:2], len(keep))
    kept_mass = p_full[:, :, keep]
    assert np.allclose(p_cut, kept_mass / kept_mass.sum(axis=2, keepdims=True), atol=1e-4)
    # where the full model's likeliest class is a kept one (here: every step), both read the same class
    assert (np.asarray(keep)[p_cut.argmax(axis=2)] == p_full.argmax(axis=2)).all()


def test_the_recogniser_reads_through_the_cut_model() -> None:
    img = np.full((60, 420), 255, np.uint8)
    cv2.putText(img, "Amount 127.50", (10, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
    (read,) = reread.recognize([img])
    assert "".join(c.text for c in read) == "Amount127.50"
    assert all(0.8 <= c.conf <= 1.0 for c in read)
