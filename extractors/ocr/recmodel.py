"""The re-reading recogniser's model, derived in memory from the one the ``rapidocr`` wheel ships.

PP-OCRv6 small (``PP-OCRv6_rec_small.onnx`` in the pinned rapidocr wheel) spells 18,708 characters, almost all of
them Chinese; re-reading keeps no character outside ASCII (``reread._same_alphabet``, ``read_unread``). Its output
layer — a 120 x 18,710 matrix, its bias and a softmax over every class at every time step, 17% of the model's time —
is cut to the classes re-reading can use (:func:`kept`: 748 characters, plus CTC's blank and the space): the
model runs 11-19% faster and reads as before. The softmax is then over the kept classes only, so a character's
probability is the full model's renormalised over them, and where the full model's likeliest class was a cut one
(a Chinese character: 18 of 3,103 characters read on the benchmark's pages) the likeliest kept class takes its
place (``tests/test_ocr_recmodel.py`` checks both against the full model).

The cut is made each time a process loads the recogniser, from the installed wheel's file (no artefact to keep in
step with the wheel, nothing downloaded); the OCR fingerprint covers it through this module's source and the
rapidocr release. Measurements: extractors/ocr/README.md, "Cheaper re-reading".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

SOURCE = "PP-OCRv6_rec_small.onnx"
#: the source model's output layer (weights [120, classes], bias [classes]) as the wheel's ONNX file names them
HEAD_WEIGHTS, HEAD_BIAS = "linear_8.w_0", "linear_8.b_0"


def source_model() -> Path:
    """The recogniser shipped in the installed rapidocr wheel."""
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models" / SOURCE


def kept(char: str) -> bool:
    """Whether the derived model keeps the class of ``char``: re-reading keeps only ASCII (after NFKC), but the
    recogniser must still be able to say it sees a Latin letter with an accent, a dash or a currency sign (were its
    class cut, the nearest ASCII class would take its probability)."""
    code = ord(char[0]) if char else 0
    return unicodedata.normalize("NFKC", char).isascii() or code < 0x250 or 0x2000 <= code < 0x2150


def classes(characters: Sequence[str]) -> list[int]:
    """Output columns the derived model keeps: CTC's blank (column 0), the kept characters (``characters`` are the
    model's character list, columns 1..n) and the space rapidocr's decoder appends (column n + 1)."""
    return [0, *(i + 1 for i, c in enumerate(characters) if kept(c)), len(characters) + 1]


def derive(source: Path) -> tuple[bytes, list[str]]:
    """The model ``source`` with its output layer cut to :func:`classes` (serialised ONNX), and its characters."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    meta = {p.key: p for p in model.metadata_props}
    characters = meta["character"].value.splitlines()
    keep = classes(characters)
    weights = {t.name: t for t in model.graph.initializer}
    for name, axis in ((HEAD_WEIGHTS, 1), (HEAD_BIAS, 0)):
        cut = np.ascontiguousarray(np.take(numpy_helper.to_array(weights[name]), keep, axis=axis))
        weights[name].CopyFrom(numpy_helper.from_array(cut, name))
    model.graph.output[0].type.tensor_type.shape.dim[2].dim_value = len(keep)
    # shapes recorded for the output layer's tensors name the old class count: left for onnxruntime to infer
    stale = len(characters) + 2
    fresh = [v for v in model.graph.value_info if not any(d.dim_value == stale for d in v.type.tensor_type.shape.dim)]
    del model.graph.value_info[:]
    model.graph.value_info.extend(fresh)
    kept_characters = [characters[i - 1] for i in keep[1:-1]]
    meta["character"].value = "\n".join(kept_characters)
    return model.SerializeToString(), kept_characters


def load():  # noqa: ANN201 - (onnxruntime.InferenceSession, its characters)
    """An onnxruntime session of the derived model on one core (a pool worker is one reader, as tesseract is: the
    pool is the only parallelism), and the characters its classes spell (CTC's blank and the space not included)."""
    import onnxruntime as ort

    model, characters = derive(source_model())
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.enable_cpu_mem_arena = False  # as rapidocr runs it: batches differ in width, an arena keeps the largest
    so.log_severity_level = 3
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"]), characters
