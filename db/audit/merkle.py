"""RFC 6962 Merkle tree hashing, compact ranges, proof generation and proof verification. Pure.

Proof generation follows RFC 6962 section 2.1.1 (PATH) and 2.1.2 (SUBPROOF) over a ``subtree(level, index)`` callback
that returns the hash of the complete subtree covering leaves ``[index·2^level, (index+1)·2^level)``; the caller decides
where those hashes come from (stored nodes, leaf hashes). Verification follows transparency-dev/merkle
``proof/verify.go``: recompute, then compare; every part of the proof is used and its length is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from db.audit.hashing import HASH_SIZE, empty_root, node_hash

Subtree = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not verify (or a request that makes no sense: index out of range, sizes backwards)."""


@dataclass(frozen=True)
class RootMismatchError(ProofError):
    expected_root: bytes
    calculated_root: bytes

    def __str__(self) -> str:
        return f"calculated root {self.calculated_root.hex()} does not match expected root {self.expected_root.hex()}"


# --- trees and compact ranges ------------------------------------------------------------------------------------


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash over *leaf hashes* (already 0x00-prefixed and hashed)."""
    frontier: list[bytes] = []
    for i, leaf in enumerate(leaves):
        frontier, _ = frontier_append(frontier, i, leaf)
    return root_from_frontier(frontier)


def frontier_append(frontier: Sequence[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append one leaf hash to the compact range of a tree of ``size`` leaves.

    The compact range (frontier) holds one hash per set bit of ``size``, highest level first. Returns the new
    frontier and the complete subtrees finished by this leaf as ``(level, index, hash)`` (level ≥ 1).
    """
    out = list(frontier)
    h, level, n, completed = leaf, 0, size, []
    while n & 1:
        h = node_hash(out.pop(), h)
        level += 1
        n >>= 1
        completed.append((level, ((size + 1) >> level) - 1, h))
    out.append(h)
    return out, completed


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return empty_root()
    h = frontier[-1]
    for left in reversed(frontier[:-1]):
        h = node_hash(left, h)
    return h


def split_frontier(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(begin: int, end: int, subtree: Subtree) -> bytes:
    """MTH of leaves ``[begin, end)`` where that range is an RFC 6962 subtree (begin aligned), from complete subtrees."""
    parts: list[bytes] = []
    pos, n = begin, end - begin
    while n:
        level = n.bit_length() - 1
        parts.append(subtree(level, pos >> level))
        pos += 1 << level
        n -= 1 << level
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def memoized(subtree: Subtree) -> Subtree:
    cache: dict[tuple[int, int], bytes] = {}

    def get(level: int, index: int) -> bytes:
        key = (level, index)
        if key not in cache:
            cache[key] = subtree(level, index)
        return cache[key]

    return get


# --- proof generation (RFC 6962 2.1.1 and 2.1.2) -------------------------------------------------------------------


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """Audit path for leaf ``index`` (0-based) in the tree of ``size`` leaves. Requires 0 <= index < size."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    subtree = memoized(subtree)
    proof: list[bytes] = []

    def path(lo: int, hi: int) -> None:
        if hi - lo == 1:
            return
        k = largest_power_of_two_below(hi - lo)
        if index - lo < k:
            path(lo, lo + k)
            proof.append(range_hash(lo + k, hi, subtree))
        else:
            path(lo + k, hi)
            proof.append(range_hash(lo, lo + k, subtree))

    path(0, size)
    return proof


def consistency_proof(size1: int, size2: int, subtree: Subtree) -> list[bytes]:
    """Proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``. Requires 0 <= size1 <= size2."""
    if not 0 <= size1 <= size2:
        raise ProofError(f"cannot prove consistency from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    subtree = memoized(subtree)
    proof: list[bytes] = []

    def sub(m: int, lo: int, hi: int, whole: bool) -> None:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append(range_hash(lo, hi, subtree))
            return
        k = largest_power_of_two_below(n)
        if m <= k:
            sub(m, lo, lo + k, whole)
            proof.append(range_hash(lo + k, hi, subtree))
        else:
            sub(m - k, lo + k, hi, False)
            proof.append(range_hash(lo, lo + k, subtree))

    sub(size1, 0, size2, True)
    return proof


def subtree_from_leaves(leaves: Sequence[bytes]) -> Subtree:
    """A ``subtree`` callback over an in-memory list of leaf hashes (tests, small logs)."""

    def get(level: int, index: int) -> bytes:
        lo = index << level
        return mth(leaves[lo : lo + (1 << level)])

    return get


# --- proof verification (transparency-dev/merkle proof/verify.go) --------------------------------------------------


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _check_hashes(hashes: Sequence[bytes], what: str) -> None:
    for h in hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError(f"{what}: every hash must be {HASH_SIZE} bytes")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if index < 0 or index >= size:
        raise ProofError(f"index is beyond size: {index} >= {size}")
    _check_hashes([leaf], "leaf hash")
    _check_hashes(proof, "inclusion proof")
    inner, border = _decomp_incl_proof(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {inner + border}")
    res = _chain_inner(leaf, proof[:inner], index)
    return _chain_border_right(res, proof[inner:])


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root``."""
    calculated = root_from_inclusion_proof(index, size, leaf, proof)
    if calculated != root:
        raise RootMismatchError(root, calculated)


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raise ProofError unless ``proof`` shows the tree (size1, root1) is a prefix of the tree (size2, root2)."""
    _check_hashes(proof, "consistency proof")
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    if size1 == size2:
        if proof:
            raise ProofError("size1=size2, but proof is not empty")
        if root1 != root2:
            raise RootMismatchError(root1, root2)
        return
    if size1 == 0:
        if proof:
            raise ProofError(f"expected empty proof, but got {len(proof)} components")
        return
    if not proof:
        raise ProofError("empty proof")
    inner, border = _decomp_incl_proof(size1 - 1, size2)
    shift = ((size1 & -size1).bit_length()) - 1
    inner -= shift
    seed, start = proof[0], 1
    if size1 == 1 << shift:
        seed, start = root1, 0
    if len(proof) != start + inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {start + inner + border}")
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if hash1 != root1:
        raise RootMismatchError(root1, hash1)
    hash2 = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if hash2 != root2:
        raise RootMismatchError(root2, hash2)
