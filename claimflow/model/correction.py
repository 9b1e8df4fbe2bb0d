"""A reviewer's correction of one extracted field: ``correct(extraction, field, value) -> (Extraction, path)``. Pure.

Fields (``value`` is text as a person types it; an empty value clears a field or removes an item):

=============================================  =========================================================
``member_id`` (``patient.member_id``)          the member id as printed
``date_of_birth`` (``patient.date_of_birth``)  ISO date
``total``                                      amount, e.g. ``158.06``
``currency``                                   ISO 4217 code, e.g. ``USD``
``service_dates`` (``service_date``)           ISO dates, comma-separated (replaces every date of service)
``provider.npi``                               10 digits
``line_items[i]``                              ``CODE AMOUNT`` (``-`` for no code); ``i`` = the number of lines adds one
``line_items[i].amount|code|quantity|service_date|description``   one attribute of a line
``diagnoses[i]`` (``diagnoses[i].code``)       ICD-10-CM code; ``i`` = the number of diagnoses adds one
``diagnoses[i].negated``                       ``true`` or ``false``
=============================================  =========================================================

A corrected value counts as read with certainty: its evidence keeps its place on the page with confidence 1.0, so
the claim is not pended again for a low confidence the person has resolved. Correcting the total or a line's amount
recomputes ``checks.total_matches_line_items`` (total = sum of the lines). Line and diagnosis indexes are 0-based.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from claimflow.model.extraction import Evidence, Extraction
from claimflow.money import ZERO, to_money

_ALIASES = {
    "member_id": "patient.member_id",
    "date_of_birth": "patient.date_of_birth",
    "service_date": "service_dates",
    "npi": "provider.npi",
}
_ITEM = re.compile(r"^(line_items|diagnoses)\[(\d+)\](?:\.([a-z_]+))?$")
_LINE_ATTRS = ("amount", "code", "quantity", "service_date", "description")
SIMPLE = ("patient.member_id", "patient.date_of_birth", "total", "currency", "service_dates", "provider.npi")


class CorrectionError(ValueError):
    """The field is unknown or the value does not fit it; the message says which and what is accepted."""


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CorrectionError(f"{what}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _money(value: str, what: str) -> Decimal:
    try:
        return to_money(value)
    except (ValueError, TypeError):
        raise CorrectionError(f"{what}: {value!r} is not an amount (e.g. 158.06)") from None


def _confirmed(ev: Evidence | dict[str, Any] | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    data = ev.model_dump() if isinstance(ev, Evidence) else dict(ev)
    return {**data, "confidence": 1.0}


def _reindex(fields: dict[str, Any], kind: str, removed: int) -> dict[str, Any]:
    """Evidence keys of ``kind[j]`` shift down past a removed item; the removed item's keys go."""
    out: dict[str, Any] = {}
    for key, ev in fields.items():
        m = _ITEM.match(key.split(".", 1)[0] if key.startswith(kind) else "")
        if m is None or m.group(1) != kind:
            out[key] = ev
            continue
        j = int(m.group(2))
        if j == removed:
            continue
        out[key.replace(f"{kind}[{j}]", f"{kind}[{j - 1}]", 1) if j > removed else key] = ev
    return out


def _confirm_keys(fields: dict[str, Any], prefix: str) -> None:
    for key in list(fields):
        if key == prefix or key.startswith((prefix + ".", prefix + "[")):
            fields[key] = _confirmed(fields[key])


def _line_from_text(value: str) -> dict[str, Any]:
    parts = value.split()
    if len(parts) != 2:
        raise CorrectionError(f"line item: {value!r} is not 'CODE AMOUNT' (use '-' for a line without a code)")
    code, amount = parts
    return {"code": None if code == "-" else code, "description": None, "quantity": None,
            "amount": str(_money(amount, "line item amount")), "service_date": None}  # fmt: skip


def _correct_item(data: dict[str, Any], kind: str, i: int, attr: str | None, value: str) -> None:
    items: list[dict[str, Any]] = data[kind]
    path = f"{kind}[{i}]"
    if i > len(items):
        what = kind.replace("_", " ")
        raise CorrectionError(f"{path}: there are {len(items)} {what} (0-based; {len(items)} adds one)")
    adding = i == len(items)
    if attr is None or (kind == "diagnoses" and attr == "code"):
        if not value:
            if adding:
                raise CorrectionError(f"{path}: nothing to remove")
            del items[i]
            data["fields"] = _reindex(data["fields"], kind, i)
            return
        if kind == "line_items":
            new = _line_from_text(value)
        else:
            new = {"code": value.strip().upper(), "description": None, "negated": False}
        if adding:
            items.append(new)
        else:
            old = items[i]
            items[i] = {**old, **new} if kind == "diagnoses" else {**new, "description": old.get("description"),
                                                                   "quantity": old.get("quantity"),
                                                                   "service_date": old.get("service_date")}
    else:
        if adding:
            raise CorrectionError(f"{path}: add the item first (field {path}, value as a whole item)")
        item = items[i]
        if kind == "line_items" and attr in _LINE_ATTRS:
            if attr == "amount":
                item["amount"] = str(_money(value, f"{path}.amount")) if value else None
            elif attr == "quantity":
                try:
                    q = float(Decimal(value)) if value else None
                except ArithmeticError:
                    raise CorrectionError(f"{path}.quantity: {value!r} is not a number of units") from None
                if q is not None and q <= 0:
                    raise CorrectionError(f"{path}.quantity: units must be more than 0")
                item["quantity"] = q
            elif attr == "service_date":
                item["service_date"] = _date(value, f"{path}.service_date").isoformat() if value else None
            else:
                item[attr] = value or None
        elif kind == "diagnoses" and attr == "negated":
            if value.lower() not in ("true", "false"):
                raise CorrectionError(f"{path}.negated: give true or false")
            item["negated"] = value.lower() == "true"
        else:
            allowed = ", ".join(_LINE_ATTRS) if kind == "line_items" else "code, negated"
            raise CorrectionError(f"{path}.{attr}: unknown attribute (one of {allowed})")
    items[i] = {**items[i], "evidence": _confirmed(items[i].get("evidence"))}
    if items[i]["evidence"] is None:
        del items[i]["evidence"]
    _confirm_keys(data["fields"], path)


def _correct_simple(data: dict[str, Any], path: str, value: str) -> None:
    if path == "patient.member_id":
        data["patient"]["member_id"] = value or None
    elif path == "patient.date_of_birth":
        data["patient"]["date_of_birth"] = _date(value, path).isoformat() if value else None
    elif path == "total":
        data["total"] = str(_money(value, path)) if value else None
    elif path == "currency":
        if value and not re.fullmatch(r"[A-Za-z]{3}", value):
            raise CorrectionError(f"currency: {value!r} is not an ISO 4217 code (e.g. USD)")
        data["currency"] = value.upper() or None
    elif path == "service_dates":
        dates = sorted({_date(v.strip(), path) for v in value.split(",") if v.strip()})
        data["service_dates"] = [d.isoformat() for d in dates]
    elif path == "provider.npi":
        if value and not re.fullmatch(r"\d{10}", value):
            raise CorrectionError(f"provider.npi: {value!r} is not 10 digits")
        data["provider"]["npi"] = value or None
    if path == "service_dates":  # the engine reads every "service_date…" key as evidence of the dates
        for key in [k for k in data["fields"] if k.startswith("service_date")]:
            data["fields"][key] = _confirmed(data["fields"][key])
    else:
        _confirm_keys(data["fields"], path)


def _recheck_total(data: dict[str, Any]) -> None:
    amounts = [li.get("amount") for li in data["line_items"]]
    if data["total"] is None or not amounts or any(a is None for a in amounts):
        data["checks"]["total_matches_line_items"] = None
        return
    data["checks"]["total_matches_line_items"] = sum((Decimal(a) for a in amounts), ZERO) == Decimal(data["total"])


def correct(extraction: Extraction, field: str, value: str) -> tuple[Extraction, str]:
    """The extraction with ``field`` set to ``value``, and the field's canonical path. Raises CorrectionError."""
    name = field.strip()
    path = _ALIASES.get(name, name)
    value = value.strip()
    data = extraction.to_json_dict()
    data.setdefault("fields", {})
    m = _ITEM.match(path)
    if m is not None:
        kind, i, attr = m.group(1), int(m.group(2)), m.group(3)
        if kind == "diagnoses" and attr == "code":
            path = f"diagnoses[{i}]"
        _correct_item(data, kind, i, attr, value)
    elif path in SIMPLE:
        _correct_simple(data, path, value)
    else:
        raise CorrectionError(
            f"{field!r} is not a field that can be corrected: one of {', '.join(SIMPLE)}, line_items[i] "
            f"(.{', .'.join(_LINE_ATTRS)}), diagnoses[i] (.negated)"
        )
    if path == "total" or path.startswith("line_items"):
        _recheck_total(data)
    data["warnings"] = [*data.get("warnings", []), f"corrected by a reviewer: {path}"]
    try:
        return type(extraction).model_validate(data), path  # a claim of several documents keeps its sources
    except ValueError as e:
        raise CorrectionError(f"{path}: {value!r} does not fit the field ({_first_error(e)})") from None


def _first_error(e: ValueError) -> str:
    errors = getattr(e, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
    return str(e)
