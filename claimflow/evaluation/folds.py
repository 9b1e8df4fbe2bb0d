"""Deterministic cross-validation folds over documents, and the real receipts kept aside from all of them.

A document's fold depends only on the seed and its id (``fold_of``): the same receipt lands in the same fold on every
machine and run, whatever else is in the set, so figures are reproducible and no receipt is both trained on and
scored within one fold. The *held-aside* documents (``held_aside``: real receipts whose number is ≡ 0 mod 10, 30 of
SROIE's 300) belong to no fold: no model is trained on them and no CV figure includes them; they are measured once,
at the end of a piece of work, and their failures are looked at only then.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

#: Receipts numbered ≡ 0 (mod HELD_ASIDE_MOD) are kept aside (see the module docstring).
HELD_ASIDE_MOD = 10
DEFAULT_SEED = 31

_T = TypeVar("_T")


def fold_of(doc_id: str, k: int, seed: int = DEFAULT_SEED) -> int:
    """The fold (0 … k-1) of ``doc_id``: by a hash of the seed and the id, so stable across runs and sets."""
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    h = hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") % k


def held_aside(doc_id: str) -> bool:
    """Whether ``doc_id`` (a real receipt's number, e.g. ``"120"`` or ``"sroie-train/120"``) is kept aside. Ids that
    are not a bare number (generated bills: ``clinic-s7-00010``) never are."""
    m = re.fullmatch(r"(?:.*/)?(\d+)", doc_id)
    return bool(m) and int(m.group(1)) % HELD_ASIDE_MOD == 0


def split(ids: Iterable[str], k: int, seed: int = DEFAULT_SEED) -> tuple[list[list[str]], list[str]]:
    """``ids`` into ``k`` folds (each in input order) and the held-aside ids."""
    folds: list[list[str]] = [[] for _ in range(k)]
    aside: list[str] = []
    for i in ids:
        if held_aside(i):
            aside.append(i)
        else:
            folds[fold_of(i, k, seed)].append(i)
    return folds, aside


def train_test(items: Sequence[_T], ids: Sequence[str], fold: int, k: int,
               seed: int = DEFAULT_SEED) -> tuple[list[_T], list[_T]]:
    """Items of the other folds (to train on) and of ``fold`` (to score); held-aside items are in neither."""
    train, test = [], []
    for item, i in zip(items, ids, strict=True):
        if held_aside(i):
            continue
        (test if fold_of(i, k, seed) == fold else train).append(item)
    return train, test


__all__ = ["DEFAULT_SEED", "HELD_ASIDE_MOD", "fold_of", "held_aside", "split", "train_test"]
