"""Writes rfc6962_probes.json: the positive and negative proof probes of transparency-dev/merkle proof/verify_test.go
(corruptInclusionProof / corruptConsistencyProof: wrong index, wrong size, wrong leaf/root, trailing/preceding
garbage, a flipped bit in every proof element, a removed or inserted component), applied to rfc6962_base.json,
committed as data (Apache-2.0, Copyright 2017 Google LLC; mutation rules re-implemented here).

Run from the repo root: .venv/bin/python tests/vectors/make_negative.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
U64 = 2**64


def h(x: bytes) -> str:
    return x.hex()


def main() -> None:
    base = json.loads((HERE / "rfc6962_base.json").read_text())
    roots = [bytes.fromhex(r) for r in base["roots"]]
    leaves = [bytes.fromhex(x) for x in base["leaves"]]
    some, empty = bytes.fromhex(base["some_hash"]), bytes.fromhex(base["empty_tree_hash"])
    incl, cons = [], []
    for v in base["inclusion"]:
        idx, size = v["leaf"] - 1, v["size"]
        proof = [bytes.fromhex(p) for p in v["proof"]]
        root, leaf = roots[size - 1], hashlib.sha256(b"\x00" + leaves[idx]).digest()

        def add(i: int, s: int, r: bytes, lf: bytes, pr: list[bytes], desc: str, bad: bool = True) -> None:
            incl.append({"leafIdx": i % U64, "treeSize": s % U64, "root": h(r), "leafHash": h(lf),
                         "proof": [h(p) for p in pr], "desc": desc, "wantErr": bad})

        add(idx, size, root, leaf, proof, "happy path", False)
        add(idx - 1, size, root, leaf, proof, "leafIndex - 1")
        add(idx + 1, size, root, leaf, proof, "leafIndex + 1")
        add(idx ^ 2, size, root, leaf, proof, "leafIndex ^ 2")
        add(idx, size * 2, root, leaf, proof, "treeSize * 2")
        add(idx, size // 2, root, leaf, proof, "treeSize / 2")
        add(idx, size, root, b"WrongLeaf", proof, "wrong leaf")
        add(idx, size, empty, leaf, proof, "empty root")
        add(idx, size, some, leaf, proof, "random root")
        add(idx, size, root, leaf, proof + [b""], "trailing garbage")
        add(idx, size, root, leaf, proof + [root], "trailing root")
        add(idx, size, root, leaf, [b""] + proof, "preceding garbage")
        add(idx, size, root, leaf, [root] + proof, "preceding root")
        for i in range(len(proof)):
            wrong = list(proof)
            wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
            add(idx, size, root, leaf, wrong, f"modified proof[{i}] bit 3")
        if proof:
            add(idx, size, root, leaf, proof[:-1], "removed component")
        if len(proof) > 1:
            add(idx, size, root, leaf, [proof[0], some] + proof[1:], "inserted component")
    for v in base["consistency"]:
        s1, s2 = v["size1"], v["size2"]
        proof = [bytes.fromhex(p) for p in v["proof"]]
        r1, r2 = roots[s1 - 1], roots[s2 - 1]

        def addc(a: int, b: int, x: bytes, y: bytes, pr: list[bytes], desc: str, bad: bool = True) -> None:
            cons.append({"size1": a % U64, "size2": b % U64, "root1": h(x), "root2": h(y),
                         "proof": [h(p) for p in pr], "desc": desc, "wantErr": bad})

        addc(s1, s2, r1, r2, proof, "happy path", False)
        if not proof:
            continue
        addc(s1 - 1, s2, r1, r2, proof, "size1 - 1")
        addc(s1 + 1, s2, r1, r2, proof, "size1 + 1")
        addc(s1 ^ 2, s2, r1, r2, proof, "size1 ^ 2")
        addc(s1, s2 * 2, r1, r2, proof, "size2 * 2")
        addc(s1, s2 // 2, r1, r2, proof, "size2 / 2")
        addc(s1, s2, b"WrongRoot", r2, proof, "wrong root1")
        addc(s1, s2, r1, b"WrongRoot", proof, "wrong root2")
        addc(s1, s2, r2, r1, proof, "swapped roots")
        addc(s1, s2, r1, r2, [], "empty proof")
        addc(s1, s2, r1, r2, proof + [b""], "trailing garbage")
        addc(s1, s2, r1, r2, proof + [r1], "trailing root1")
        addc(s1, s2, r1, r2, proof + [r2], "trailing root2")
        addc(s1, s2, r1, r2, [b""] + proof, "preceding garbage")
        addc(s1, s2, r1, r2, [r1] + proof, "preceding root1")
        addc(s1, s2, r1, r2, [r2] + proof, "preceding root2")
        addc(s1, s2, r1, r2, [proof[0]] + proof, "preceding proof[0]")
        addc(s1, s2, r1, r2, proof[:-1], "truncated proof")
        for i in range(len(proof)):
            wrong = list(proof)
            wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
            addc(s1, s2, r1, r2, wrong, f"modified proof[{i}] bit 4")
    # The fixed probes of TestVerifyConsistency (roots "don't care 1/2" as bytes).
    dc1, dc2 = b"don't care 1", b"don't care 2"
    for a, b, x, y, pr, bad in [
        (0, 0, dc1, dc2, [], True), (1, 1, dc1, dc2, [], True),
        (0, 0, dc1, dc1, [], False), (0, 1, dc1, dc2, [], False), (1, 1, dc2, dc2, [], False),
        (1, 0, dc1, dc2, [], True), (2, 1, dc1, dc2, [], True), (1, 2, dc1, dc2, [], True),
        (0, 0, empty, dc2, [], True), (1, 1, empty, dc2, [], True),
        (0, 0, empty, empty, [empty], True), (0, 1, empty, empty, [empty], True), (1, 1, empty, empty, [empty], True),
    ]:
        cons.append({"size1": a, "size2": b, "root1": h(x), "root2": h(y), "proof": [h(p) for p in pr],
                     "desc": f"TestVerifyConsistency {a}-{b}", "wantErr": bad, "anySizeRoots": True})
    out = {"_source": "Generated by tests/vectors/make_negative.py from rfc6962_base.json; mutation rules of "
                      "transparency-dev/merkle proof/verify_test.go (Apache-2.0, Copyright 2017 Google LLC).",
           "inclusion": incl, "consistency": cons}
    (HERE / "rfc6962_probes.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(incl)} inclusion probes, {len(cons)} consistency probes")


if __name__ == "__main__":
    main()
