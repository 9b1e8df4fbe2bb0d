"""Adjudication throughput and latency on realistic claims, single-threaded.

    .venv/bin/python bench/rules_bench.py [--claims 10000] [--rounds 1] [--seed 7]

Builds a deterministic mix of realistic claims (office visits, labs, imaging, pharmacy, ER, dental, vision; some with
excluded codes, low-confidence fields, duplicates, limits nearly used) against the four shipped plans, with members,
accumulators and a claim history, then times ``rules.adjudicate`` alone (inputs are built before timing; the
database is not involved). Prints adjudications per second, p50/p99/max latency, the outcome mix, and, separately,
the cost of the decision's canonical JSON bytes (what the pipeline hashes and stores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claimflow.model.accumulators import Accumulators, ClaimHistoryEntry  # noqa: E402
from claimflow.model.member import Member  # noqa: E402
from rules import adjudicate, load_plans  # noqa: E402
from claimflow.model.extraction import Extraction  # noqa: E402
from rules.claimspec import claim_dict, digest_of  # noqa: E402

TODAY = dt.date(2026, 6, 30)
VISITS = {
    "GOLD-PPO": [
        (["99213 150.00", "87880 40.00"], ["J02.0"]),
        (["99214 210.00", "80053 45.00", "85025 28.00", "36415 12.00"], ["E11.9", "I10"]),
        (["72148 1250.00"], ["M54.50"]),
        (["0002-1433-80 60.00", "00093-7146-56 22.50 x2"], []),
        (["99284 980.00", "71046 120.00", "J1100 18.00"], ["R07.9", "!I21.9"]),
        (["99395 260.00", "90686 40.00", "90471 30.00"], ["Z00.00"]),
        (["97110 200.00 x4", "97140 90.00 x2"], ["M25.561"]),
        (["99213 150.00", "15823 2400.00"], ["H02.831"]),
    ],
    "SILVER-HMO": [
        (["99213 120.00"], ["J06.9"]),
        (["99285 1500.00", "74177 900.00"], ["R10.9"]),
        (["98941 60.00"], ["M54.2"]),
        (["0378-1800-01 35.00"], []),
    ],
    "BRONZE-HDHP": [
        (["99213 95.00", "85025 14.00"], ["J20.9"]),
        (["99395 165.00"], ["Z00.00"]),
        (["72148 400.00"], ["M54.16"]),
    ],
    "DENTAL-VISION": [
        (["D0120 45.00", "D1110 95.00", "D0274 55.00"], ["K02.9"]),
        (["D2740 1100.00"], ["K02.52"]),
        (["92014 110.00", "V2020 100.00", "V2100 60.00"], ["H52.13"]),
        (["D2391 150.00", "D2140 120.00"], []),
    ],
}


def build_inputs(n: int, seed: int) -> list[tuple[Any, ...]]:
    rnd = random.Random(seed)
    plans = load_plans()
    cases: list[tuple[Any, ...]] = []
    for i in range(n):
        plan_id = rnd.choice(sorted(VISITS))
        plan = plans[plan_id]
        lines, dx = rnd.choice(VISITS[plan_id])
        day = TODAY - dt.timedelta(days=rnd.randint(1, 150))
        spec: dict[str, Any] = {
            "sha": f"bench-{i}",
            "member_id": f"M-{i % 500}",
            "provider": {"npi": "1234567893", "name": "Lakeside Clinic"},
            "dates": [day],
            "diagnoses": dx,
            "lines": [ln + (" @0.93" if rnd.random() < 0.97 else " @0.55") for ln in lines],
            "member_id_confidence": 0.62 if rnd.random() < 0.04 else 0.96,
            "date_confidence": 0.94,
            "total_confidence": 0.7 if rnd.random() < 0.04 else 0.97,
        }
        member = Member(member_id=spec["member_id"], plan_id=plan_id, coverage_start=dt.date(2025, 1, 1),
                        coverage_end=rnd.choice([None] * 9 + [dt.date(2026, 3, 31)]))  # fmt: skip
        ded = plan.deductible.individual * Decimal(rnd.choice([0, 0, 25, 50, 100])) / 100
        acc = Accumulators(year=2026, deductible_met=ded, family_deductible_met=ded, oop_used=ded,
                           family_oop_used=ded, plan_paid=Decimal(rnd.randint(0, 3000)),
                           limit_paid={g: v * Decimal(rnd.choice([0, 10, 50, 90])) / 100
                                       for g, v in plan.limits.sub_limits.items()})  # fmt: skip
        history = [
            ClaimHistoryEntry(document_sha256=digest_of(f"old-{i}-{k}"), provider="npi:1234567893",
                              service_date=day - dt.timedelta(days=30 * (k + 1)), amount=Decimal("150.00"),
                              claim_date=day - dt.timedelta(days=30 * k + 25))  # fmt: skip
            for k in range(rnd.randint(0, 4))
        ]
        cases.append((claim_dict(spec), member.model_dump(), plan, acc.model_dump(), [e.model_dump() for e in history]))
    return cases


def fresh(case: tuple[Any, ...]) -> tuple[Any, ...]:
    """Typed values from the stored (JSON-like) forms, as the db layer hands them to the engine."""
    wire, member, plan, acc, history = case
    return (
        Extraction.model_validate(wire),
        Member.model_validate(member),
        plan,
        Accumulators.model_validate(acc),
        [ClaimHistoryEntry.model_validate(e) for e in history],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=10_000, help="distinct realistic claims")
    ap.add_argument("--rounds", type=int, default=1, help="times each claim is adjudicated (repeats share traces)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-freeze", action="store_true", help="do not gc.freeze() the start-up objects")
    args = ap.parse_args()
    cases = build_inputs(args.claims, args.seed)
    for case in build_inputs(200, args.seed + 1):  # warm-up on other claims (imports, code memo)
        adjudicate(*fresh(case), today=TODAY)
    # A long-running service freezes what it loaded at start-up (plans, members cache) so the cyclic GC stops
    # rescanning it; the claims built above stand in for that. Decisions made below are still collected normally.
    gc.collect()
    if not args.no_freeze:
        gc.freeze()
    samples: list[int] = []
    cpu_samples: list[int] = []
    outcomes: Counter[str] = Counter()
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    start = clock()
    round_rates: list[float] = []
    for _ in range(args.rounds):
        r0, spent = clock(), 0
        for case in cases:
            # as in the pipeline, the extraction, member, accumulators and history were just read from the
            # database (validated) when the claim is decided: done here too, not timed
            x, m, p, a, h = fresh(case)
            c0 = cpu()
            t0 = clock()
            d = adjudicate(x, m, p, a, h, today=TODAY)
            samples.append(clock() - t0)
            spent += samples[-1]
            cpu_samples.append(cpu() - c0)
            outcomes[d.outcome.value] += 1
        round_rates.append(len(cases) / (spent / 1e9))
    wall = (clock() - start) / 1e9
    samples.sort()
    cpu_samples.sort()
    n = len(samples)
    per_sec = n / (sum(samples) / 1e9)
    cpu_per_sec = n / (sum(cpu_samples) / 1e9)

    def pct(q: int) -> str:
        return f"{samples[min(n - 1, n * q // 100)] / 1000:.0f} µs"

    subset = [fresh(case) for case in cases[:1000]]
    t0 = clock()
    for x, m, p, a, h in subset:
        adjudicate(x, m, p, a, h, today=TODAY).canonical_bytes()
    with_bytes = len(subset) / ((clock() - t0) / 1e9)
    print(f"adjudications: {n} ({args.claims} claims x {args.rounds} rounds, 1 thread)")
    print(f"throughput:    {per_sec:,.0f} adjudications/s (time inside adjudicate; median round "
          f"{statistics.median(round_rates):,.0f}/s; whole loop incl. reading the extractions {n / wall:,.0f}/s)")
    print(f"CPU time:      {cpu_per_sec:,.0f} adjudications per CPU-second; CPU p99 "
          f"{cpu_samples[min(n - 1, n * 99 // 100)] / 1000:.0f} µs (excludes time the OS ran other processes)")
    print(f"latency:       p50 {pct(50)}, p90 {pct(90)}, p99 {pct(99)}, max {samples[-1] / 1000:.0f} µs, "
          f"mean {statistics.fmean(samples) / 1000:.0f} µs")  # fmt: skip
    print(f"with canonical JSON bytes: {with_bytes:,.0f} decisions/s")
    load = os.getloadavg()
    print(f"machine:       {os.cpu_count()} CPUs, load average {load[0]:.1f} during the run (other work slows this)")
    print("outcomes:      " + ", ".join(f"{k} {v * 100 / n:.0f}%" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
