"""The extractor string of a stored extraction is not bounded by a column width (PostgreSQL enforces VARCHAR(n);
SQLite does not, so only the PostgreSQL run of this test could catch a too-narrow column)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from db import claims as repo
from db.models import ExtractionRow
from db.engine import session_factory, transaction


def _shipped_extractor() -> str:
    """The extractor string of a bill read from a bundle with every shipped model (as ``extract()`` composes it)."""
    from extractors import bills
    from extractors.calibration import shipped
    from extractors.extract import shipped_choosers
    from extractors.ner.pipeline import load, version

    choosers = " ".join(m.version for m in shipped_choosers().values())
    split = bills.shipped()
    assert split is not None
    return f"{version(load())} calibration {shipped().digest} {choosers} {split.version}"


def test_the_shipped_extractor_string_is_stored_whole(any_engine: Engine) -> None:
    extractor = _shipped_extractor()
    assert len(extractor) > 200  # it outgrew the old VARCHAR(200) with the provider chooser and the bill split
    sessions = session_factory(any_engine)
    long = f"{extractor} {extractor}"  # room for the next models too
    with transaction(sessions) as s:
        repo.ensure_document(s, sha256="a" * 64, size_bytes=1, original_name="x.png", stored_path="x")
        claim = repo.create_claim(s, tenant="t", source="cli", submitted_by="t", document_sha256="a" * 64)
        row = ExtractionRow(claim_id=claim.id, extraction={"total": "120.00"}, digest="c" * 64, extractor=long,
                            ocr_engine="t", ocr_confidence=Decimal("0.9"))
        s.add(row)
    with transaction(sessions) as s:
        stored = s.get(ExtractionRow, row.id)
        assert stored is not None and stored.extractor == long
