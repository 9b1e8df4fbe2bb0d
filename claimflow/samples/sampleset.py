"""Write the committed sample set: the curated documents with truth and the members fixture."""

from __future__ import annotations

from pathlib import Path

from claimflow.samples.curated import CURATED, SEED
from claimflow.samples.generate import generate


def write_sample_set(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    results = generate(out, count=len(CURATED), seed=SEED, specs=[(name, spec) for name, _, spec in CURATED])
    return len(results)
