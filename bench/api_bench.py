"""The HTTP API under bounded load on 127.0.0.1: status reads and accepted submissions, p50/p99 latency.

    .venv/bin/python bench/api_bench.py [--clients 50] [--reads 2000] [--submissions 400]

Starts the real app (``api.main.create_app``) under uvicorn in a subprocess (one worker, access log off) on a free
port, over a SQLite database in a temporary folder, with a dispatcher that only enqueues (the work is asynchronous:
a submission is accepted once its documents are checked, stored, the claim opened and audited). httpx async clients
then run from this process:

* submissions: ``--clients`` concurrent clients, each POSTing a distinct small PNG scan (multipart) every
  ``--submit-interval`` seconds, ``--submissions`` in all — target p99 < 100 ms;
* status reads: ``--clients`` concurrent clients, each polling ``GET /v1/claims/{id}`` every ``--read-interval``
  seconds, ``--reads`` in all — target p99 < 20 ms;
* baseline, same run, clients and intervals: ``GET /healthz`` (no key, no database), to read the others against;
* saturation: the same clients reading statuses back to back (closed loop): the most this box serves, and the
  latency when clients queue (latency = clients / throughput there, so it is not the p99 the targets are about).

Clients are open-loop (a polling client waits for its next tick, not for the others), with their start spread over
one interval.

Every request is authenticated with a real API key; the rate limit is raised out of the way.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class EnqueueDispatcher:
    def __init__(self) -> None:
        self.queued: list[object] = []

    def dispatch(self, ref: object) -> None:
        self.queued.append(ref)

    def ready(self) -> str | None:
        return None


def serve(port: int, data_dir: str) -> None:
    """Child process: the app on 127.0.0.1:port."""
    import uvicorn

    from api.main import create_app
    from claimflow.settings import Settings

    settings = Settings(data_dir=Path(data_dir), api_rate_per_second=1e6, api_rate_burst=10**6,
                        _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, dispatcher=EnqueueDispatcher())
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def _png(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("L", (320, 240), 255)
    img.putdata([255 if rng.random() > 0.02 else 0 for _ in range(320 * 240)])
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


async def _run(clients: int, jobs: list, call, interval: float = 0.0) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """``call(job)`` over ``jobs`` by ``clients`` concurrent clients, each starting a request every ``interval``
    seconds (0: back to back). Latencies (ms) and wall time (s)."""
    queue: asyncio.Queue = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)
    latencies: list[float] = []

    async def client(n: int) -> None:
        next_at = time.perf_counter() + interval * n / clients
        while not queue.empty():
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if queue.empty():
                return
            job = queue.get_nowait()
            t = time.perf_counter()
            await call(job)
            latencies.append((time.perf_counter() - t) * 1000)
            next_at += interval

    t0 = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, time.perf_counter() - t0


def _line(name: str, lat: list[float], wall: float, target: float | None = None) -> str:
    p99 = _pct(lat, 0.99)
    verdict = "" if target is None else f"  target p99 < {target:g} ms: {'met' if p99 < target else 'NOT met'}"
    return (f"{name:<22} n={len(lat):>5}  {len(lat) / wall:8.1f} req/s  p50 {_pct(lat, 0.5):7.2f} ms  "
            f"p99 {p99:7.2f} ms  max {max(lat):7.2f} ms{verdict}")


async def bench(base: str, key: str, clients: int, reads: int, submissions: int, read_interval: float,
                submit_interval: float) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    docs = [_png(i) for i in range(submissions)]
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        claim_ids: list[str] = []

        async def submit(i: int) -> None:
            r = await client.post("/v1/claims", files=[("documents", (f"scan-{i}.png", docs[i], "image/png"))],
                                  headers={"Idempotency-Key": f"bench-{i}"})
            if r.status_code != 202:
                raise SystemExit(f"submission {i}: {r.status_code} {r.text[:200]}")
            claim_ids.append(r.json()["claim_id"])

        async def health(_: int) -> None:
            r = await client.get("/healthz")
            assert r.status_code == 200

        async def status(i: int) -> None:
            r = await client.get(f"/v1/claims/{claim_ids[i % len(claim_ids)]}")
            if r.status_code != 200:
                raise SystemExit(f"status read: {r.status_code} {r.text[:200]}")

        await _run(clients, list(range(min(100, reads))), health)  # warm up connections and the app
        sub_lat, sub_wall = await _run(clients, list(range(submissions)), submit, submit_interval)
        base_lat, base_wall = await _run(clients, list(range(reads)), health, read_interval)
        read_lat, read_wall = await _run(clients, list(range(reads)), status, read_interval)
        sat_lat, sat_wall = await _run(clients, list(range(reads)), status)
    print(f"api bench: {clients} concurrent clients on {base}, uvicorn 1 worker, SQLite, cores={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"reads: each client every {read_interval:g} s; submissions: each client every {submit_interval:g} s")
    print(_line("baseline GET /healthz", base_lat, base_wall))
    print(_line("GET /v1/claims/{id}", read_lat, read_wall, 20))
    print(_line("POST /v1/claims (202)", sub_lat, sub_wall, 100))
    print(f"ratios to baseline p99: status read {_pct(read_lat, .99) / _pct(base_lat, .99):.1f}x, "
          f"submission {_pct(sub_lat, .99) / _pct(base_lat, .99):.1f}x")
    print(_line("saturation, back to back", sat_lat, sat_wall))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--reads", type=int, default=2000)
    ap.add_argument("--submissions", type=int, default=400)
    ap.add_argument("--read-interval", type=float, default=0.5, help="Seconds between one client's status reads.")
    ap.add_argument("--submit-interval", type=float, default=2.0, help="Seconds between one client's submissions.")
    ap.add_argument("--serve", nargs=2, metavar=("PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return

    from claimflow.settings import Settings
    from db.api_keys import create_key
    from db.engine import transaction
    from flows.runtime import sessions_for

    with tempfile.TemporaryDirectory(prefix="claimflow-api-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)  # type: ignore[call-arg]
        with transaction(sessions_for(settings)) as s:
            key = create_key(session=s, tenant="bench", role="submitter").key
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), tmp], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            asyncio.run(bench(base, key, args.clients, args.reads, args.submissions, args.read_interval,
                              args.submit_interval))
        finally:
            child.terminate()
            child.wait(timeout=30)


def _wait(base: str, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the API did not start at {base}")



if __name__ == "__main__":
    main()
