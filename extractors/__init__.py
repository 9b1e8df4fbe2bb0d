"""Pure OCR + NER: a file in, an Extraction out.

``read`` runs the OCR stage (extractors.ocr), ``extract`` reads the fields off its words (extractors.extract),
``extract_file`` does both.
"""

from __future__ import annotations

from pathlib import Path

from claimflow.model import Extraction, OcrResult
from claimflow.settings import Settings


def read(path: Path, settings: Settings, *, display_name: str | None = None) -> OcrResult:
    """OCR one document. ``display_name`` replaces the path in the result (e.g. the original name of a stored file)."""
    from extractors.ocr import OcrOptions, read_document

    ocr = read_document(Path(path), OcrOptions.from_settings(settings))
    if display_name is not None:
        ocr = ocr.model_copy(update={"document": ocr.document.model_copy(update={"path": display_name})})
    return ocr


def extract(ocr: OcrResult) -> Extraction:
    from extractors.extract import extract as _extract

    return _extract(ocr)


def extract_file(path: Path, settings: Settings) -> Extraction:
    return extract(read(path, settings))
