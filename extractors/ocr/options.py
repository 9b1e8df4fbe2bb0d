"""OCR options: the limits and knobs the OCR stage runs with, built from Settings at the edge."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from claimflow.settings import Settings


@dataclass(frozen=True)
class OcrOptions:
    """Everything one OCR run depends on. Frozen and picklable (it travels to pool workers).

    ``workers`` is the process-pool size; ``page_timeout`` bounds one tesseract call (seconds); the three ``max_*``
    limits refuse documents before anything is decoded (decompression bombs, huge uploads).
    """

    dpi: int = 300
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    page_timeout: float = 120.0
    max_pages: int = 50
    max_pixels_per_page: int = 80_000_000
    max_file_bytes: int = 50 * 1024 * 1024
    language: str = "eng"
    #: Mean word confidence (0..1) under which a page is retried with another orientation / preprocessing.
    retry_below_confidence: float = 0.55
    #: Read the words tesseract was unsure of again with the second recogniser (``extractors/ocr/reread.py``): on
    #: 100 real receipts total 0.90 -> 0.93, date 0.92 -> 0.95, provider 0.71 -> 0.75, for about 1 s of a core per
    #: receipt. Part of the OCR cache key (``extractors.ner.ocr_cache``).
    reread_unsure: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        if not 72 <= self.dpi <= 600:
            raise ValueError("dpi must be between 72 and 600")
        if self.page_timeout <= 0:
            raise ValueError("page_timeout must be > 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> OcrOptions:
        return cls(
            dpi=settings.ocr_dpi,
            workers=settings.ocr_workers,
            page_timeout=settings.ocr_page_timeout,
            max_pages=settings.max_pages,
            max_pixels_per_page=settings.max_pixels_per_page,
            max_file_bytes=settings.max_file_bytes,
            reread_unsure=settings.ocr_reread,
        )
