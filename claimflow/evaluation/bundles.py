"""Scoring the split of documents that hold several bills (bundles), per bill.

A truth with ``bills`` is a bundle; any other truth is one bill of all the document's pages. A predicted bill is
matched to a true bill when both hold exactly the same pages; a true bill without such a match counts as missed in
every per-bill figure. ``split`` is the share of documents whose bill boundaries are exactly right; ``false_splits``
counts documents of one bill read as several (they should stay 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


def _bills(x: dict[str, Any]) -> list[dict[str, Any]]:
    """The bills of an Extraction in wire form: its ``bills``, or itself as one bill of all its pages."""
    if x.get("bills"):
        return list(x["bills"])
    pages = (x.get("document") or {}).get("pages") or 1
    return [{**x, "pages": list(range(1, pages + 1))}]


def _money(v: Any) -> Decimal | None:
    try:
        return Decimal(str(v)) if v is not None else None
    except InvalidOperation:
        return None


@dataclass
class BundleScore:
    bundles: int = 0  # documents whose truth holds several bills
    split_exact: int = 0  # ... whose predicted boundaries are exactly the truth's
    singles: int = 0  # documents of one bill
    false_splits: int = 0  # ... read as several
    bills: int = 0  # true bills of the bundles
    bills_found: int = 0  # ... with a predicted bill of exactly their pages
    total_correct: int = 0
    date_correct: int = 0
    provider_correct: int = 0

    def add(self, pred: dict[str, Any], truth: dict[str, Any]) -> None:
        from claimflow.evaluation.compare import normalize_name  # compare imports this module
        want, got = _bills(truth), _bills(pred)
        if len(want) == 1:
            self.singles += 1
            self.false_splits += len(got) > 1
            return
        self.bundles += 1
        self.split_exact += [b["pages"] for b in want] == [b["pages"] for b in got]
        by_pages = {tuple(b["pages"]): b for b in got}
        for t in want:
            self.bills += 1
            p = by_pages.get(tuple(t["pages"]))
            if p is None:
                continue
            self.bills_found += 1
            total = _money(t.get("total"))
            self.total_correct += total is not None and _money(p.get("total")) == total
            first = (t.get("service_dates") or [None])[0]
            self.date_correct += first is not None and (p.get("service_dates") or [None])[0] == first
            name_t, name_p = (t.get("provider") or {}).get("name"), (p.get("provider") or {}).get("name")
            self.provider_correct += bool(name_t) and bool(name_p) and normalize_name(name_t) == normalize_name(name_p)

    def as_dict(self) -> dict[str, Any]:
        def share(n: int, d: int) -> float | None:
            return round(n / d, 4) if d else None

        return {"bundles": self.bundles, "split_accuracy": share(self.split_exact, self.bundles),
                "single_documents": self.singles, "false_splits": self.false_splits, "bills": self.bills,
                "bills_found": share(self.bills_found, self.bills),
                "bill_total": share(self.total_correct, self.bills),
                "bill_first_date": share(self.date_correct, self.bills),
                "bill_provider": share(self.provider_correct, self.bills)}


__all__ = ["BundleScore"]
