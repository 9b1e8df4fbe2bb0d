"""Gold documents: generated sets (``NAME.<ext>`` + ``NAME.truth.json``) and SROIE-format folders.

SROIE (``img/NAME.jpg`` + ``key/NAME.json`` with company, date, address, total) is scored on the key's three fields:
``total``, ``service_dates[0]`` (the receipt date, dd/mm/yyyy → ISO) and ``provider.name`` (the company, normalized
match); and, against null, on the patient's fields (``SROIE_ABSENT``): a shop's receipt names no patient, so a name,
member id or birth date read off one is a guess (exact = the share of receipts left without one).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC_EXTS = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
SROIE_ABSENT = ("patient.name", "patient.member_id", "patient.date_of_birth")
SROIE_FIELDS = ("total", "service_dates[0]", "provider.name", *SROIE_ABSENT)
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                           "dec"))}


@dataclass(frozen=True)
class GoldDoc:
    path: Path
    truth: dict[str, Any]  # an Extraction in wire form (partial for SROIE)


def parse_sroie_date(text: str) -> str | None:
    """SROIE dates are mostly dd/mm/yyyy; also dd-mm-yyyy, dd.mm.yy, yyyy-mm-dd, '25 DEC 2018'. ISO or None."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})", s) or re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[-/.\s](\d{1,2}|[A-Za-z]{3})[A-Za-z]*[-/.\s,]*(\d{2,4})", s)
        if not m:
            return None
        d, y = int(m.group(1)), int(m.group(3))
        mo_s = m.group(2)
        mo = int(mo_s) if mo_s.isdigit() else _MONTHS.get(mo_s.lower(), 0)
        if y < 100:
            y += 2000
    for day, month in ((d, mo), (mo, d)):  # a few SROIE receipts print month first (12/28/2017)
        try:
            return dt.date(y, month, day).isoformat()
        except ValueError:
            continue
    return None


def _sroie_total(text: str) -> str | None:
    cleaned = re.sub(r"[^\d.,-]", "", text).replace(",", "")
    try:
        return f"{float(cleaned):.2f}" if cleaned else None  # a gold string, not money arithmetic
    except ValueError:
        return None


def is_sroie(gold: Path) -> bool:
    return (gold / "img").is_dir() and (gold / "key").is_dir()


def load_gold(gold: Path) -> list[GoldDoc]:
    """Every gold document under ``gold``, sorted by path."""
    if is_sroie(gold):
        docs = []
        for key in sorted((gold / "key").glob("*.json")):
            imgs = sorted(p for p in (gold / "img").glob(key.stem + ".*") if p.suffix.lower() in DOC_EXTS)
            if not imgs:
                continue
            k = json.loads(key.read_text(encoding="utf-8"))
            date = parse_sroie_date(k.get("date", "")) if k.get("date") else None
            truth = {
                "total": _sroie_total(k.get("total", "")) if k.get("total") else None,
                "service_dates": [date] if date else [],
                "provider": {"name": k.get("company") or None},
                "patient": {"name": None, "member_id": None, "date_of_birth": None},  # SROIE_ABSENT
            }
            docs.append(GoldDoc(imgs[0], truth))
        return docs
    docs = []
    for truth_file in sorted(gold.rglob("*.truth.json")):
        stem = truth_file.name[: -len(".truth.json")]
        cands = sorted(p for p in truth_file.parent.glob(stem + ".*")
                       if p.suffix.lower() in DOC_EXTS and p.stem == stem)
        if cands:
            docs.append(GoldDoc(cands[0], json.loads(truth_file.read_text(encoding="utf-8"))))
    return docs
