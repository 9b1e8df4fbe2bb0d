#!/usr/bin/env python3
"""claimflow audit log verifier — one file, Python 3.11+ standard library and ``cryptography`` only.

Give it an export bundle (``claimflow audit export DIR``), the public key you trust and, ideally, the last checkpoint
you kept yourself; it recomputes every hash and tells you the first damaged entry and what kind of damage it is:

    python3 verify.py BUNDLE_DIR --pubkey audit.pub [--checkpoint my-last.checkpoint] [--strict] [--json]
    python3 verify.py --proof claim-proof.json --pubkey audit.pub

Exit status: 0 verified, 1 damage found (or a proof that does not verify), 2 usage or unreadable input.

The format, in full (nothing else is needed to re-implement this file):

* Entry: RFC 8785 (JCS) canonical JSON of {"v":1,"log","seq","ts","actor","type","data"}. Floats are not allowed.
  ``seq`` counts from 1 per log without gaps. In a bundle, ``entries.jsonl`` holds one entry per line, exact bytes.
* leaf_hash  = SHA-256(0x00 || entry)                                    RFC 6962 leaf
* node_hash  = SHA-256(0x01 || left || right)                            RFC 6962 interior node
* chain_hash = SHA-256("claimflow/audit/chain/v1" || 0x00 || previous || leaf_hash), previous of seq 1 = 32 zero bytes
* Merkle tree hash (root) over the leaf hashes: RFC 6962 section 2.1 (empty tree: SHA-256 of the empty string).
* Checkpoint: C2SP tlog-checkpoint body "<origin>\\n<size>\\n<base64 root>\\n" in a C2SP signed note, Ed25519,
  origin "claimflow.audit/<log>", key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4].

Kinds of damage reported: edited, missing, inserted, reordered, truncated, rewritten (entries re-hashed after an edit:
caught only by a signed checkpoint, located between the last matching checkpoint and the first mismatching one),
forged_checkpoint, not_canonical (--strict), head_mismatch (database only), no_checkpoint (--strict).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
CHAIN_TAG = b"claimflow/audit/chain/v1\x00"
GENESIS = bytes(32)
HASH_SIZE = 32
ORIGIN_PREFIX = "claimflow.audit/"
DEFAULT_KEY_NAME = "claimflow.audit"
ED25519_SIGNATURE_TYPE = b"\x01"
BUNDLE_FORMAT = "claimflow-audit-bundle/1"
PROOF_FORMAT = "claimflow-audit-proof/1"
CONSISTENCY_FORMAT = "claimflow-audit-consistency/1"
MAX_SAFE_INTEGER = 2**53 - 1
ENTRY_KEYS = frozenset({"v", "log", "seq", "ts", "actor", "type", "data"})
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")

EDITED = "edited"
MISSING = "missing"
INSERTED = "inserted"
REORDERED = "reordered"
TRUNCATED = "truncated"
REWRITTEN = "rewritten"
FORGED_CHECKPOINT = "forged_checkpoint"
NOT_CANONICAL = "not_canonical"
HEAD_MISMATCH = "head_mismatch"
NO_CHECKPOINT = "no_checkpoint"


class VerifyError(Exception):
    """Input that cannot be verified at all (unreadable file, bad key, malformed note or proof)."""


# --- hashes ------------------------------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(CHAIN_TAG + previous + leaf).digest()


def root_of(frontier: Sequence[bytes]) -> bytes:
    """Root of a tree from its compact range (one subtree hash per set bit of the size, highest first)."""
    if not frontier:
        return hashlib.sha256(b"").digest()
    h = frontier[-1]
    for left in reversed(frontier[:-1]):
        h = node_hash(left, h)
    return h


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    frontier: list[bytes] = []
    for n, h in enumerate(leaves):
        while n & 1:
            h = node_hash(frontier.pop(), h)
            n >>= 1
        frontier.append(h)
    return root_of(frontier)


# --- RFC 8785 for the values entries may hold (no floats) --------------------------------------------------------


def _reject_float(text: str) -> Any:
    raise ValueError(f"float {text} in entry")


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} in entry")


def _jcs_order(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return {k: _jcs_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [_jcs_order(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError(f"integer {value} outside the I-JSON range")
        return value
    raise ValueError(f"{type(value).__name__} is not allowed in entries")


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical form of a JSON value without floats (keys in UTF-16 order, minimal escapes, UTF-8)."""
    return json.dumps(_jcs_order(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def parse_entry(entry: bytes) -> dict[str, Any]:
    obj = json.loads(entry.decode("utf-8"), parse_float=_reject_float, parse_constant=_reject_constant)
    if not isinstance(obj, dict):
        raise ValueError("entry is not a JSON object")
    return obj


# --- C2SP signed notes and checkpoints ---------------------------------------------------------------------------


def origin_for(log: str) -> str:
    return ORIGIN_PREFIX + log


def safe_log_dirname(log: str) -> str:
    return log.replace("/", "%2F")


def check_key_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")


def check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise VerifyError("note text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise VerifyError("note text contains control characters")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_SIGNATURE_TYPE + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """C2SP verifier key string: ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(ED25519_SIGNATURE_TYPE + public_key).decode()}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise ValueError("a verifier key looks like name+hexid+base64key")
    name, hex_id, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[:1] != ED25519_SIGNATURE_TYPE:
        raise ValueError("only Ed25519 verifier keys are supported")
    if key_id(name, raw[1:]).hex() != hex_id.lower():
        raise ValueError("verifier key ID does not match the key")
    return name, raw[1:]


@dataclass(frozen=True)
class TrustedKey:
    name: str
    public_key: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public_key)


def load_public_key(path: str | Path, name: str = DEFAULT_KEY_NAME) -> TrustedKey:
    """A PEM public key (key name ``name``) or a C2SP verifier key file (which names itself)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise VerifyError(f"cannot read public key {path}: {e.strerror}") from e
    text = data.decode("utf-8", "replace").strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as e:
            raise VerifyError(f"{path} is not a PEM public key") from e
        if not isinstance(key, Ed25519PublicKey):
            raise VerifyError(f"{path} is not an Ed25519 public key")
        return TrustedKey(name, key.public_bytes_raw())
    try:
        vname, raw = parse_verifier_key(text)
    except (ValueError, binascii.Error) as e:
        raise VerifyError(f"{path} is neither a PEM public key nor a verifier key: {e}") from e
    return TrustedKey(vname, raw)


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


@dataclass(frozen=True)
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes
    body: str
    signatures: tuple[tuple[str, bytes, bytes], ...]  # (key name, key ID, signature)
    note: str

    @property
    def log(self) -> str | None:
        return self.origin[len(ORIGIN_PREFIX) :] if self.origin.startswith(ORIGIN_PREFIX) else None


def parse_checkpoint(note: str) -> SignedCheckpoint:
    """Split a signed note into body and signatures, and parse the body as a tlog checkpoint (no signature check)."""
    check_note_text(note)
    sep = note.rfind("\n\n")
    if sep < 0:
        raise VerifyError("not a signed note: no blank line before the signatures")
    body, sig_block = note[: sep + 1], note[sep + 2 :]
    sigs = []
    for line in sig_block.splitlines():
        m = re.fullmatch(r"\u2014 (\S+) ([A-Za-z0-9+/=]+)", line)
        if not m:
            raise VerifyError(f"malformed signature line {line!r}")
        blob = base64.b64decode(m.group(2), validate=True)
        if len(blob) < 5:
            raise VerifyError("signature too short")
        sigs.append((m.group(1), blob[:4], blob[4:]))
    if not sigs:
        raise VerifyError("a signed note needs at least one signature")
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or (len(lines[1]) > 1 and lines[1].startswith("0")):
        raise VerifyError("not a checkpoint: want origin, size and root hash lines")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error as e:
        raise VerifyError("checkpoint root hash is not base64") from e
    if len(root) != HASH_SIZE:
        raise VerifyError("checkpoint root hash is not 32 bytes")
    return SignedCheckpoint(lines[0], int(lines[1]), root, body, tuple(sigs), note)


def verify_signature(cp: SignedCheckpoint, keys: Sequence[TrustedKey]) -> list[str]:
    """C2SP rules: signatures by unknown keys are ignored, a known key's bad signature rejects the note, and at least
    one known key must have signed it. Returns the ids (``name+hex``) of the trusted keys that signed it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signed_by: list[str] = []
    for name, kid, sig in cp.signatures:
        for key in keys:
            if key.name == name and key.id == kid:
                try:
                    Ed25519PublicKey.from_public_bytes(key.public_key).verify(sig, cp.body.encode("utf-8"))
                except InvalidSignature as e:
                    raise VerifyError(f"invalid signature by {name} on checkpoint {cp.origin} size {cp.size}") from e
                signed_by.append(f"{name}+{kid.hex()}")
    if not signed_by:
        unknown = ", ".join(f"{name}+{kid.hex()}" for name, kid, _ in cp.signatures) or "no key"
        raise VerifyError(f"checkpoint {cp.origin} size {cp.size} is not signed by a trusted key: signed by "
                          f"{unknown}, an unknown key (pass its public key with another --pubkey)")
    return signed_by


# --- proofs (transparency-dev/merkle proof/verify.go) ------------------------------------------------------------


def _decomp(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    return inner, bin(index >> inner).count("1")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise VerifyError(f"index is beyond size: {index} >= {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise VerifyError("hashes must be 32 bytes")
    inner, border = _decomp(index, size)
    if len(proof) != inner + border:
        raise VerifyError(f"wrong proof size {len(proof)}, want {inner + border}")
    h = leaf
    for i, p in enumerate(proof[:inner]):
        h = node_hash(h, p) if (index >> i) & 1 == 0 else node_hash(p, h)
    for p in proof[inner:]:
        h = node_hash(p, h)
    return h


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise VerifyError("inclusion proof does not lead to the signed root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    if any(len(p) != HASH_SIZE for p in proof):
        raise VerifyError("proof hashes must be 32 bytes")
    if size1 < 0 or size2 < size1:
        raise VerifyError(f"size2 ({size2}) < size1 ({size1})")
    if size1 == size2:
        if proof:
            raise VerifyError("size1=size2, but proof is not empty")
        if root1 != root2:
            raise VerifyError("equal sizes but different roots")
        return
    if size1 == 0:
        if proof:
            raise VerifyError(f"expected empty proof, but got {len(proof)} components")
        return
    if not proof:
        raise VerifyError("empty proof")
    inner, border = _decomp(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed, start = proof[0], 1
    if size1 == 1 << shift:
        seed, start = root1, 0
    if len(proof) != start + inner + border:
        raise VerifyError(f"wrong proof size {len(proof)}, want {start + inner + border}")
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    h1, h2 = seed, seed
    for i, p in enumerate(rest[:inner]):
        if (mask >> i) & 1:
            h1 = node_hash(p, h1)
            h2 = node_hash(p, h2)
        else:
            h2 = node_hash(h2, p)
    for p in rest[inner:]:
        h1 = node_hash(p, h1)
        h2 = node_hash(p, h2)
    if h1 != root1:
        raise VerifyError("consistency proof does not lead to the old root")
    if h2 != root2:
        raise VerifyError("consistency proof does not lead to the new root")


# --- walking a log -------------------------------------------------------------------------------------------------

#: One stored row: (seq column or None, entry bytes, stored leaf hash or None, stored chain hash or None).
Row = tuple[int | None, bytes, bytes | None, bytes | None]


@dataclass
class Problem:
    log: str
    seq: int | None
    damage: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"log": self.log, "seq": self.seq, "damage": self.damage, "message": self.message}


@dataclass
class Walk:
    size: int = 0
    chain: bytes = GENESIS
    frontier: list[bytes] = field(default_factory=list)
    roots: dict[int, bytes] = field(default_factory=dict)
    chains: dict[int, bytes] = field(default_factory=dict)
    problem: Problem | None = None

    @property
    def root(self) -> bytes:
        return root_of(self.frontier)


def _embedded_seq(entry: bytes) -> int | None:
    # In canonical form the top-level "seq" is the last `"seq":` token (a quote inside a string is escaped).
    i = entry.rfind(b'"seq":')
    if i < 0:
        return None
    j = entry.find(b",", i)
    try:
        return int(entry[i + 6 : j]) if j > 0 else None
    except ValueError:
        return None


def walk(
    rows: Iterable[Row],
    *,
    log: str,
    sizes: Iterable[int] = (),
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 50_000,
) -> Walk:
    """Recompute leaf, chain and Merkle hashes over ``rows`` in order; stop at the first damaged entry."""
    sha = hashlib.sha256
    tag, w = CHAIN_TAG, Walk()
    want = set(sizes)
    log_prefix = b'"log":' + json.dumps(log, ensure_ascii=False).encode("utf-8") + b","
    version_suffix = b',"v":' + str(FORMAT_VERSION).encode() + b"}"
    chain, frontier, n = GENESIS, w.frontier, 0
    if 0 in want:
        w.roots[0], w.chains[0] = root_of([]), GENESIS
    it = iter(rows)
    for rseq, entry, sleaf, schain in it:
        p = n + 1
        leaf = sha(LEAF_PREFIX + entry).digest()
        new_chain = sha(tag + chain + leaf).digest()
        # Fast path for stored rows: seq column, leaf hash and chain hash. Rows without stored hashes (a bundle) are
        # checked on their own fields: the top-level `"log":…,"seq":p,` and the version suffix, compared as bytes.
        if (rseq != p or sleaf != leaf or schain != new_chain) and not (
            rseq is None
            and sleaf is None
            and schain is None
            and _bundle_row_ok(entry, p, entry.rfind(b'"seq":'), log_prefix, version_suffix)
        ):
            i = entry.rfind(b'"seq":')
            j = entry.find(b",", i)
            try:
                e = int(entry[i + 6 : j]) if i >= 0 and j > 0 else None
            except ValueError:
                e = None
            w.problem = _diagnose(log, p, rseq, entry, leaf, sleaf, new_chain, schain, e, it, log_prefix)
            break
        if strict:
            why = strict_problem(entry, log, p)
            if why:
                w.problem = Problem(log, p, NOT_CANONICAL, f"seq {p}: {why}")
                break
        chain = new_chain
        h, m = leaf, n
        while m & 1:
            h = sha(NODE_PREFIX + frontier.pop() + h).digest()
            m >>= 1
        frontier.append(h)
        n = p
        if n in want:
            w.roots[n] = root_of(frontier)
            w.chains[n] = chain
        if progress is not None and n % progress_every == 0:
            progress(n)
    w.size, w.chain = n, chain
    if progress is not None:
        progress(n)
    return w


def _bundle_row_ok(entry: bytes, p: int, i: int, log_prefix: bytes, version_suffix: bytes) -> bool:
    """A bundle row has no stored seq or hashes: only its own fields can be checked."""
    return (
        i >= len(log_prefix)
        and entry.startswith(b'"seq":%d,' % p, i)
        and entry.startswith(log_prefix, i - len(log_prefix))
        and entry.endswith(version_suffix)
    )


def _diagnose(
    log: str,
    p: int,
    rseq: int | None,
    entry: bytes,
    leaf: bytes,
    sleaf: bytes | None,
    new_chain: bytes,
    schain: bytes | None,
    e: int | None,
    rest: Iterator[Row],
    log_prefix: bytes,
) -> Problem:
    """Name the damage at position ``p`` (the first entry that does not verify)."""
    if rseq is not None and rseq > p:
        return Problem(log, p, MISSING, f"seq {p}..{rseq - 1} are missing (the next stored row is seq {rseq})")
    if rseq is not None and rseq < p:
        return Problem(log, rseq, INSERTED, f"a second row with seq {rseq} was inserted")
    leaf_changed = sleaf is not None and sleaf != leaf
    i = entry.rfind(b'"seq":')
    own_log = i >= 0 and entry.startswith(log_prefix, i - len(log_prefix))
    if e is None or not own_log:
        if not own_log and e is not None and not leaf_changed:
            return Problem(log, p, INSERTED, f"seq {p} holds an entry that does not belong to log {log!r}")
        return Problem(log, p, EDITED, f"seq {p}: the entry is not a well-formed version {FORMAT_VERSION} entry")
    if e > p:
        shifted = False  # the entry is genuine but sits at the wrong position (its leaf hash is stored further on)
        for q, (_, later, later_leaf, _) in enumerate(rest, start=p + 1):
            if _embedded_seq(later) == p:
                return Problem(log, p, REORDERED, f"seq {p} holds entry {e}; entry {p} was found at position {q}")
            shifted = shifted or later_leaf == leaf
        if leaf_changed and not shifted:
            return Problem(log, p, EDITED, f"seq {p}: the entry bytes do not match their leaf hash")
        return Problem(log, p, MISSING, f"entry {p} is missing: seq {p} holds entry {e} (rows were renumbered)")
    if e < p:
        if leaf_changed:
            return Problem(log, p, EDITED, f"seq {p}: the entry bytes do not match their leaf hash")
        return Problem(
            log, e, INSERTED, f"entries were inserted at seq {e}: the entry written as seq {e} is now at position {p}"
        )
    nxt = next(rest, None)
    if nxt is not None and _embedded_seq(nxt[1]) == p and not leaf_changed:
        return Problem(log, p, INSERTED, f"seq {p} was inserted: the entry written as seq {p} follows it")
    if leaf_changed:
        return Problem(log, p, EDITED, f"seq {p}: the entry bytes do not match their leaf hash (edited)")
    if schain is not None and schain != new_chain:
        return Problem(log, p, EDITED, f"seq {p}: the chain hash does not follow from seq {p - 1} (edited)")
    return Problem(log, p, EDITED, f"seq {p}: the entry is not a well-formed version {FORMAT_VERSION} entry")


def strict_problem(entry: bytes, log: str, seq: int) -> str | None:
    """Why ``entry`` is not the canonical entry ``seq`` of ``log`` (None if it is)."""
    try:
        obj = parse_entry(entry)
    except (ValueError, UnicodeDecodeError) as e:
        return f"not valid JSON: {e}"
    if set(obj) != ENTRY_KEYS:
        return f"fields {sorted(obj)} are not {sorted(ENTRY_KEYS)}"
    if obj["v"] != FORMAT_VERSION or obj["log"] != log or obj["seq"] != seq or type(obj["seq"]) is not int:
        return "v, log or seq do not match"
    if not isinstance(obj["ts"], str) or not RFC3339_UTC.fullmatch(obj["ts"]):
        return "ts is not a UTC RFC 3339 timestamp"
    if not isinstance(obj["actor"], str) or not isinstance(obj["type"], str) or not isinstance(obj["data"], dict):
        return "actor, type or data have the wrong type"
    try:
        canonical = jcs(obj)
    except ValueError as e:
        return str(e)
    if canonical != entry:
        return "the stored bytes are not the RFC 8785 canonical form of the entry"
    return None


# --- judging a log against its checkpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointSource:
    note: str
    source: str  # "database", a file path, ...
    stored_size: int | None = None
    stored_root: bytes | None = None
    stored_chain: bytes | None = None


@dataclass(frozen=True)
class HeadState:
    size: int
    chain: bytes
    frontier: tuple[bytes, ...]


@dataclass
class LogReport:
    log: str
    entries: int = 0
    root: str = ""
    chain: str = ""
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    covered: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "ok": self.ok,
            "entries": self.entries,
            "root": self.root,
            "chain_hash": self.chain,
            "covered_by_checkpoint": self.covered,
            "checkpoints": self.checkpoints,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": self.warnings,
        }


@dataclass
class Report:
    logs: list[LogReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # not tied to one log (bundle files, unknown logs)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(lr.ok for lr in self.logs)

    @property
    def first_problem(self) -> Problem | None:
        for lr in self.logs:
            if lr.problems:
                return lr.problems[0]
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        first = self.first_problem
        return {
            "ok": self.ok,
            "first_problem": first.to_dict() if first else None,
            "logs": [lr.to_dict() for lr in self.logs],
            "problems": [p.to_dict() for p in self.problems],
            "warnings": self.warnings,
        }

    def summary(self) -> str:
        if self.ok:
            if not self.logs:
                return "verified: no audit entries"
            return "verified: " + ", ".join(
                f"{lr.log} ({lr.entries} entries, "
                + (f"signed checkpoint verified at size {lr.covered})" if lr.covered else "no verified checkpoint)")
                for lr in self.logs
            )
        p = self.first_problem
        assert p is not None
        return f"log {p.log!r}: first bad seq {p.seq}, damage {p.damage}: {p.message}"


def verify_log(
    log: str,
    rows: Iterable[Row],
    checkpoints: Sequence[CheckpointSource],
    keys: Sequence[TrustedKey],
    *,
    strict: bool = False,
    head: HeadState | None = None,
    progress: Callable[[int], None] | None = None,
) -> LogReport:
    """Walk ``rows`` of ``log`` and judge them against every checkpoint (signature, root at its size) and the head."""
    report = LogReport(log)
    parsed: list[tuple[CheckpointSource, SignedCheckpoint]] = []
    for src in checkpoints:
        try:
            parsed.append((src, parse_checkpoint(src.note)))
        except (VerifyError, ValueError, binascii.Error) as e:
            report.problems.append(Problem(log, None, FORGED_CHECKPOINT, f"checkpoint from {src.source}: {e}"))
    w = walk(rows, log=log, sizes={cp.size for _, cp in parsed}, strict=strict, progress=progress)
    report.entries, report.root, report.chain = w.size, w.root.hex(), w.chain.hex()
    if w.problem:
        report.problems.insert(0, w.problem)
    last_good = 0
    for src, cp in sorted(parsed, key=lambda x: x[1].size):
        info: dict[str, Any] = {"size": cp.size, "source": src.source, "signature": "unchecked", "root": "not reached"}
        report.checkpoints.append(info)
        if keys:
            try:
                info["signed_by"] = verify_signature(cp, keys)
                info["signature"] = "valid"
            except VerifyError as e:
                info["signature"] = "invalid"
                report.problems.append(Problem(log, None, FORGED_CHECKPOINT, f"{src.source}: {e}"))
                continue
        if cp.origin != origin_for(log):
            report.problems.append(
                Problem(log, None, FORGED_CHECKPOINT, f"{src.source}: origin {cp.origin!r} is not log {log!r}")
            )
            continue
        if (src.stored_size is not None and src.stored_size != cp.size) or (
            src.stored_root is not None and src.stored_root != cp.root
        ):
            report.problems.append(
                Problem(log, None, FORGED_CHECKPOINT, f"{src.source}: stored size/root differ from the signed note")
            )
            continue
        if w.problem is not None and w.problem.seq is not None and cp.size >= w.problem.seq:
            continue
        if cp.size > w.size:
            info["root"] = "beyond the log"
            report.problems.append(
                Problem(
                    log, w.size + 1, TRUNCATED,
                    f"the log ends at seq {w.size} but a signed checkpoint ({src.source}) covers {cp.size} entries",
                )
            )
            continue
        if w.roots.get(cp.size) != cp.root:
            info["root"] = "mismatch"
            report.problems.append(
                Problem(
                    log, last_good + 1, REWRITTEN,
                    f"entries {last_good + 1}..{cp.size} were changed and re-hashed: the Merkle root at size "
                    f"{cp.size} does not match the signed checkpoint ({src.source})",
                )
            )
            continue
        if src.stored_chain is not None and w.chains.get(cp.size) != src.stored_chain:
            info["root"] = "match"
            report.problems.append(
                Problem(log, None, FORGED_CHECKPOINT, f"{src.source}: stored chain hash at size {cp.size} differs")
            )
            continue
        info["root"] = "match"
        if info["signature"] == "valid":
            last_good = max(last_good, cp.size)
    report.covered = last_good
    if head is not None and w.problem is None:
        if head.size > w.size:
            report.problems.append(
                Problem(log, w.size + 1, TRUNCATED, f"the head records {head.size} entries but the log ends at {w.size}")
            )
        elif head.size < w.size:
            report.problems.append(
                Problem(log, head.size + 1, INSERTED, f"rows after the head (size {head.size}) were inserted")
            )
        elif head.chain != w.chain or tuple(head.frontier) != tuple(w.frontier):
            report.problems.append(
                Problem(log, None, HEAD_MISMATCH, "the head's chain hash or Merkle frontier differs from the entries")
            )
    if not parsed:
        report.warnings.append(f"log {log!r}: no checkpoint was found; truncation and re-hashing cannot be detected")
        if strict:
            report.problems.append(Problem(log, None, NO_CHECKPOINT, "no signed checkpoint (required by --strict)"))
    elif not keys:
        report.warnings.append(f"log {log!r}: no public key given; checkpoint signatures were not checked")
        if strict:
            report.problems.append(Problem(log, None, NO_CHECKPOINT, "no public key to check signatures (--strict)"))
    if w.problem is None and last_good < w.size:
        report.warnings.append(f"log {log!r}: entries {last_good + 1}..{w.size} are not yet covered by a signed checkpoint")
    report.problems.sort(key=lambda p: (p is not w.problem, p.seq is None, p.seq or 0))
    return report


# --- bundles -----------------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _jsonl_rows(path: Path, hashes: Path | None = None) -> Iterator[Row]:
    """Entries, one per line; with the database's stored ``<leaf hex> <chain hex>`` per line beside them, when the
    bundle has them (they locate a damaged line exactly; without them a signed checkpoint still catches it)."""
    with path.open("rb") as f:
        if hashes is None:
            for line in f:
                yield None, line[:-1] if line.endswith(b"\n") else line, None, None
            return
        with hashes.open("rb") as h:
            for seq, line in enumerate(f, start=1):
                entry = line[:-1] if line.endswith(b"\n") else line
                stored = h.readline().split()
                try:
                    leaf, chain = bytes.fromhex(stored[0].decode()), bytes.fromhex(stored[1].decode())
                except (IndexError, ValueError, UnicodeDecodeError):
                    yield None, entry, None, None
                    continue
                yield seq, entry, leaf, chain


def verify_bundle(
    directory: str | Path,
    *,
    keys: Sequence[TrustedKey] | None = None,
    checkpoints: Sequence[str | Path] = (),
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify an export bundle. ``keys``: the public keys you trust (default: the bundle's own key, with a warning).
    ``checkpoints``: checkpoint files you kept yourself (they catch a bundle cut short or rebuilt)."""
    root = Path(directory)
    try:
        manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise VerifyError(f"{root}: no readable MANIFEST.json ({e})") from e
    if manifest.get("format") != BUNDLE_FORMAT:
        raise VerifyError(f"{root}: not a {BUNDLE_FORMAT} bundle")
    report = Report()
    for rel, digest in sorted(manifest.get("files", {}).items()):
        path = root / rel
        if ".." in Path(rel).parts or not path.is_file():
            report.problems.append(Problem("", None, MISSING, f"bundle file {rel} is missing"))
        elif _sha256_file(path) != digest:
            report.problems.append(Problem("", None, EDITED, f"bundle file {rel} does not match the manifest digest"))
    if keys is None:
        keys = []
        if manifest.get("public_key"):
            keys = [load_public_key(root / manifest["public_key"], manifest.get("key_name", DEFAULT_KEY_NAME))]
            report.warnings.append(
                "checked signatures with the bundle's own public key; pass --pubkey with the key you trust"
            )
        if strict:
            report.problems.append(Problem("", None, NO_CHECKPOINT, "--strict needs --pubkey (a key you trust)"))
    external: dict[str, list[CheckpointSource]] = {}
    for path in checkpoints:
        try:
            note = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise VerifyError(f"cannot read checkpoint {path}: {e.strerror}") from e
        cp = parse_checkpoint(note)
        external.setdefault(cp.log or cp.origin, []).append(CheckpointSource(note, str(path)))
    for entry in manifest.get("logs", []):
        log = entry["log"]
        cps = [CheckpointSource((root / rel).read_text(encoding="utf-8"), rel) for rel in entry.get("checkpoints", [])]
        cps += external.pop(log, [])
        hashes = root / entry["hashes"] if entry.get("hashes") else None
        lr = verify_log(log, _jsonl_rows(root / entry["entries"], hashes), cps, keys, strict=strict, progress=progress)
        if lr.ok and entry.get("size") != lr.entries:
            lr.problems.append(Problem(log, None, TRUNCATED, f"manifest says {entry.get('size')} entries, found {lr.entries}"))
        report.logs.append(lr)
    for log in external:
        report.problems.append(Problem(log, 1, TRUNCATED, f"your checkpoint names log {log!r}, absent from the bundle"))
    return report


# --- proof documents ---------------------------------------------------------------------------------------------


def _hashes(items: Sequence[str]) -> list[bytes]:
    try:
        return [bytes.fromhex(x) for x in items]
    except (TypeError, ValueError) as e:
        raise VerifyError("proof hashes must be hex strings") from e


def verify_proof_document(doc: dict[str, Any], keys: Sequence[TrustedKey]) -> list[str]:
    """Check an inclusion-proof or consistency-proof document completely; return what was proven, raise otherwise."""
    if not keys:
        raise VerifyError("a public key is needed to check a proof")
    fmt = doc.get("format")
    if fmt == PROOF_FORMAT:
        cp = parse_checkpoint(doc["checkpoint"])
        verify_signature(cp, keys)
        log = doc["log"]
        if cp.origin != origin_for(log):
            raise VerifyError(f"checkpoint origin {cp.origin!r} is not log {log!r}")
        claim = doc.get("claim_id")
        proven = []
        if not doc.get("entries"):
            raise VerifyError("the proof holds no entries")
        for item in doc["entries"]:
            entry = item["entry"].encode("utf-8")
            obj = parse_entry(entry)
            seq = obj.get("seq")
            if obj.get("log") != log or seq != item.get("seq") or type(seq) is not int:
                raise VerifyError("entry log/seq do not match the proof")
            if item.get("tree_size") != cp.size or item.get("leaf_index") != seq - 1:
                raise VerifyError(f"seq {seq}: leaf index or tree size do not match the checkpoint")
            if claim is not None and obj.get("data", {}).get("claim_id") != claim:
                raise VerifyError(f"seq {seq} is not an entry of claim {claim}")
            if jcs(obj) != entry:
                raise VerifyError(f"seq {seq}: the entry is not in canonical form")
            verify_inclusion(seq - 1, cp.size, leaf_hash(entry), _hashes(item["inclusion"]), cp.root)
            proven.append(f"seq {seq} ({obj.get('type')}) is entry {seq} of {cp.origin} at size {cp.size}")
        return proven
    if fmt == CONSISTENCY_FORMAT:
        old, new = parse_checkpoint(doc["old"]), parse_checkpoint(doc["new"])
        verify_signature(old, keys)
        verify_signature(new, keys)
        if old.origin != new.origin:
            raise VerifyError("the two checkpoints are for different logs")
        verify_consistency(old.size, new.size, _hashes(doc["proof"]), old.root, new.root)
        return [f"{old.origin}: the tree at size {old.size} is a prefix of the tree at size {new.size}"]
    raise VerifyError(f"unknown proof format {fmt!r}")


# --- command line --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Verify a claimflow audit export bundle or proof, offline.")
    ap.add_argument("bundle", nargs="?", help="export bundle directory")
    ap.add_argument("--pubkey", action="append", default=[], help="trusted public key (PEM or C2SP verifier key)")
    ap.add_argument("--key-name", default=DEFAULT_KEY_NAME, help="key name for a PEM public key")
    ap.add_argument("--checkpoint", action="append", default=[], help="a checkpoint you kept (repeatable)")
    ap.add_argument("--proof", help="verify an inclusion or consistency proof document instead of a bundle")
    ap.add_argument("--strict", action="store_true", help="also require canonical entries, a key and a checkpoint")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    try:
        keys = [load_public_key(p, args.key_name) for p in args.pubkey]
        if args.proof:
            doc = json.loads(Path(args.proof).read_text(encoding="utf-8"))
            try:
                proven = verify_proof_document(doc, keys)
            except (VerifyError, ValueError, KeyError, TypeError) as e:
                print(json.dumps({"ok": False, "error": str(e)}) if args.json else f"proof FAILED: {e}")
                return 1
            print(json.dumps({"ok": True, "proven": proven}) if args.json else "\n".join(["proof OK", *proven]))
            return 0
        if not args.bundle:
            ap.error("give a bundle directory or --proof FILE")
        report = verify_bundle(args.bundle, keys=keys or None, checkpoints=args.checkpoint, strict=args.strict)
    except (VerifyError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for warning in report.warnings + [w for lr in report.logs for w in lr.warnings]:
            print(f"warning: {warning}", file=sys.stderr)
        print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
