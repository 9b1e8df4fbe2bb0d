"""Realistic medical bills with ground truth, for OCR tuning, NER training, accuracy gates, demos and benchmarks.

``generate.generate(out, count=N, seed=S)`` writes documents that depend only on (seed, index), each with its expected
Extraction (``NAME.truth.json``) and text (``NAME.truth.txt``); ``sampleset.write_sample_set`` rebuilds the
committed ``sample_docs/``. Modules: ``content`` (what a bill says; ``content_intl`` for the Indian, Malaysian and
Singapore layouts), ``layouts`` (how it looks), ``render`` (images or PDF), ``degrade`` (scan and photo damage),
``truth`` (expected Extraction and text), ``bad`` (malformed inputs). The package imports only the claimflow core
and third-party libraries. Import submodules directly (``from claimflow.samples.generate import generate``): this
file stays empty so light imports stay light.
"""
