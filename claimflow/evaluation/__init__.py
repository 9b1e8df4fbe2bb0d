"""Extraction accuracy against ground truth: pure comparison, no OCR, no I/O beyond reading gold files.

``compare.evaluate_pairs`` scores (predicted, truth) Extraction pairs; ``gold.load_gold`` finds gold documents in a
generated folder (``NAME.<ext>`` + ``NAME.truth.json``) or a SROIE-format folder (``img/`` + ``key/*.json``).
"""

from claimflow.evaluation.compare import Report, evaluate_pairs
from claimflow.evaluation.gold import GoldDoc, load_gold

__all__ = ["GoldDoc", "Report", "evaluate_pairs", "load_gold"]
