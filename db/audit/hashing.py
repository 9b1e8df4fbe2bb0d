"""The audit entry format and its hashes. Pure: values in, values out (no I/O, no database).

An entry is the RFC 8785 (JCS) canonical JSON of ``{v, log, seq, ts, actor, type, data}``; the stored bytes are exactly
the hashed bytes. Three hashes, each with its own domain separation:

- ``leaf_hash  = SHA-256(0x00 ‖ entry)``                     (RFC 6962 leaf)
- ``node_hash  = SHA-256(0x01 ‖ left ‖ right)``              (RFC 6962 interior node)
- ``chain_hash = SHA-256(CHAIN_TAG ‖ previous ‖ leaf_hash)``  (the per-log hash chain; previous of seq 1 is GENESIS)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import rfc8785

#: Version of the entry format (the ``v`` field). Bump it, never edit what it means.
FORMAT_VERSION = 1
#: RFC 6962 section 2.1 domain separation prefixes.
RFC6962_LEAF_HASH_PREFIX = b"\x00"
RFC6962_NODE_HASH_PREFIX = b"\x01"
#: Domain tag of the hash chain (distinct from both RFC 6962 prefixes).
CHAIN_TAG = b"claimflow/audit/chain/v1\x00"
#: The chain value before seq 1.
GENESIS = bytes(32)
HASH_SIZE = 32

#: Log names, actors and types: printable, no spaces, no ``+`` (log names go into checkpoint origins).
LOG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,99}")
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_SAFE_INTEGER = 2**53 - 1


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(RFC6962_LEAF_HASH_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(RFC6962_NODE_HASH_PREFIX + left + right).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(CHAIN_TAG + previous + leaf).digest()


def empty_root() -> bytes:
    """RFC 6962: the hash of the empty tree is SHA-256 of the empty string."""
    return hashlib.sha256(b"").digest()


def utc_timestamp(now: dt.datetime | None = None) -> str:
    """UTC RFC 3339 with microseconds and ``Z``, e.g. ``2026-11-24T22:58:07.123456Z``."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_json_value(value: Any, where: str = "data") -> None:
    """Refuse anything that does not have one exact JSON meaning: floats (use decimal strings), non-string keys,
    integers outside ±(2^53-1), and non-JSON types (dates, Decimals, bytes: convert them to strings first)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"{where}: integer {value} is outside ±(2^53-1); store it as a string")
        return
    if isinstance(value, float):
        raise TypeError(f"{where}: floats are not allowed in audit entries; use a decimal string")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: key {k!r} is not a string")
            check_json_value(v, f"{where}.{k}")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check_json_value(v, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} is not a JSON value; convert it to a string")


def check_names(*, log: str, actor: str, type: str) -> None:  # noqa: A002 - the entry field is called "type"
    if not isinstance(log, str) or not LOG_NAME.fullmatch(log):
        raise ValueError(f"log name {log!r} must match {LOG_NAME.pattern}")
    if not isinstance(type, str) or not EVENT_TYPE.fullmatch(type):
        raise ValueError(f"event type {type!r} must look like 'claim.received' ({EVENT_TYPE.pattern})")
    if not isinstance(actor, str) or not actor or len(actor) > 200:
        raise ValueError("actor must be a non-empty string of at most 200 characters")


def canonical_entry(*, log: str, seq: int, ts: str, actor: str, type: str, data: Mapping[str, Any]) -> bytes:  # noqa: A002
    """The canonical bytes of one entry (validated). These bytes are stored and hashed as they are."""
    check_names(log=log, actor=actor, type=type)
    if not isinstance(data, Mapping):
        raise TypeError("data must be a JSON object (a dict)")
    check_json_value(data)
    if not isinstance(seq, int) or seq < 1:
        raise ValueError("seq starts at 1")
    return rfc8785.dumps(
        {"v": FORMAT_VERSION, "log": log, "seq": seq, "ts": ts, "actor": actor, "type": type, "data": dict(data)}
    )


def canonicalize(obj: Any) -> bytes:
    """RFC 8785 bytes of any JSON value (used by strict verification and digests)."""
    return rfc8785.dumps(obj)


def digest_json(obj: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``obj``: the digest that payloads carry for extractions and decisions."""
    check_json_value(obj, "value")
    return hashlib.sha256(rfc8785.dumps(obj)).hexdigest()
