"""Pure OCR + NER: a file in, an Extraction out.

``read`` runs the OCR stage (extractors.ocr), ``extractors.extract.extract`` reads the fields off its words,
``extract_file`` does both.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from claimflow.errors import InputError
from claimflow.model import Extraction, OcrResult
from claimflow.settings import Settings


def read(
    path: Path, settings: Settings, *, display_name: str | None = None, executor: Executor | None = None
) -> OcrResult:
    """OCR one document. ``display_name`` replaces the path in the result (e.g. the original name of a stored file);
    ``executor``: a process pool (``extractors.ocr.pool.make_pool``) shared by many documents read at once."""
    from extractors.ocr import OcrOptions, read_document

    try:
        ocr = read_document(Path(path), OcrOptions.from_settings(settings), executor=executor)
    except InputError as e:
        if display_name is None:
            raise
        # Name the file the user knows, not the store's copy of it.
        raise type(e)(display_name, e.problem, hint=e.hint) from e
    if display_name is not None:
        ocr = ocr.model_copy(update={"document": ocr.document.model_copy(update={"path": display_name})})
    return ocr


def extract_file(path: Path, settings: Settings) -> Extraction:
    from extractors.extract import extract

    return extract(read(path, settings))
