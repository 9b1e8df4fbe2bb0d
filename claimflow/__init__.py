"""claimflow — insurance claims automation: OCR, NER, adjudication and a tamper-evident audit log."""

__version__ = "0.1.0"
