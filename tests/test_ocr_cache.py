"""The evaluation's OCR cache: a second run reads no document again, and the key follows the OCR code."""

from __future__ import annotations

from pathlib import Path

import pytest

import extractors.ocr
from extractors.ner import ocr_cache
from synth_ocr import ocr_of


def test_second_read_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "a.png"
    doc.write_bytes(b"not really a picture")
    calls: list[Path] = []

    def fake_read_documents(paths, options):  # type: ignore[no-untyped-def]
        for p in paths:
            calls.append(p)
            yield p, ocr_of(["Total Charges: $12.50"], name=str(p))  # the OCR stage names a document by its path

    monkeypatch.setattr(extractors.ocr, "read_documents", fake_read_documents)
    cache = tmp_path / "cache"
    first = dict(ocr_cache.read_cached([doc], cache))
    second = dict(ocr_cache.read_cached([doc], cache))
    assert calls == [doc]
    assert second[doc] == first[doc]
    assert ocr_cache.is_cached(doc, cache)
    (entry,) = cache.glob("*.json")
    assert entry.name.endswith(f"-{ocr_cache.fingerprint()}.json")  # changing the OCR code changes every key
    assert not list(cache.glob(".*.tmp"))


def test_a_cached_copy_of_the_same_bytes_keeps_its_own_file_name(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # SROIE holds the same receipt under two names; the cache is keyed by content, the result names the file asked
    a, b = tmp_path / "012.jpg", tmp_path / "015.jpg"
    a.write_bytes(b"the same receipt")
    b.write_bytes(b"the same receipt")

    def fake_read_documents(paths, options):  # type: ignore[no-untyped-def]
        for p in paths:
            yield p, ocr_of(["TOTAL RM 12.50"], name=str(p))

    monkeypatch.setattr(extractors.ocr, "read_documents", fake_read_documents)
    cache = tmp_path / "cache"
    dict(ocr_cache.read_cached([a], cache))
    got = dict(ocr_cache.read_cached([a, b], cache))
    assert got[a].document.path == str(a) and got[b].document.path == str(b)
