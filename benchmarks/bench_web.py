"""Load test of the web workspace on 127.0.0.1: concurrent users on the agenda and the
year pages of the bundled territory.

Sets up a workspace (bundled territory, one round solved through the workspace as
``attribution solve --ledger`` does, two decisions recorded, the year's bilan), starts
``attribution serve`` in a child process (one uvicorn process), then USERS threads each
sign in and make REQUESTS requests alternating the commission agenda (one landlord's
units with their ranked candidates) and the year's bilan page. Reports errors, median and
95th-percentile latency and throughput; ``--record`` appends the section to RESULTS.md.

    python benchmarks/bench_web.py --users 20 --requests 50 --record
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx

from _common import machine, publish

PASSWORD = "benchmark password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')



def _sign_in(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    token = TOKEN.search(c.get("/connexion").text).group(1)
    r = c.post("/connexion", data={"name": name, "password": PASSWORD,
                                   "csrf_token": token, "suite": "/"})
    assert r.status_code == 303, r.text
    return c


def _wait_job(base_client: httpx.Client, path: str, done: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = base_client.get(path).text
        if done in text:
            return text
        if time.monotonic() > deadline:
            raise SystemExit(f"{path}: not done after {timeout:.0f} s")
        time.sleep(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()

    from attribution.web.server import start_child

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    ledger = str(work / "ledger.sqlite")
    server, base = start_child(ledger, work / "server.log",
                               {"equipe": ("cil", PASSWORD),
                                "silene": ("landlord:Silène", PASSWORD)}, timeout=120)
    try:
        cil = _sign_in(base, "equipe")
        token = TOKEN.search(cil.get("/").text).group(1)
        t0 = time.perf_counter()
        r = cil.post("/tours", data={"csrf_token": token, "time_limit": "30", "seed": "0",
                                     "shortlists": "bound", "quota_prices": "never"})
        run = r.headers["location"]
        _wait_job(cil, run, "Synthèse", 900)
        round_s = time.perf_counter() - t0
        agenda = cil.get(run + "/agenda?bailleur=Silène").text
        unit = re.search(r'/logements/(U\d+)"', agenda).group(1)
        unit_page = cil.get(f"{run}/logements/{unit}").text
        cands = re.findall(r'demandes/(D\d+)">D\d+</a> — cotation \d+( <strong>)?',
                           unit_page)
        proposed = next(d for d, s in cands if s)
        other = next(d for d, s in cands if not s)
        for row in ({"demand_id": other, "event": "offer_refused", "justified": "non",
                     "reason": "bench", "date": date(2025, 3, 10).isoformat()},
                    {"demand_id": proposed, "event": "lease_signed",
                     "date": date(2025, 3, 20).isoformat()}):
            r = cil.post(f"{run}/logements/{unit}/decisions", data={"csrf_token": token, **row})
            assert "Décision enregistrée" in r.text, r.text
        _wait_job(cil, "/annee", "Page complète du bilan", 600)
        while "Bilan en cours" in cil.get("/annee").text:
            time.sleep(1)

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        paths = [run + "/agenda", "/annee"]
        clients = [_sign_in(base, "silene") for _ in range(args.users)]

        def user(c: httpx.Client, barrier=None) -> None:
            if barrier is not None:
                barrier.wait()
            for i in range(args.requests):
                path = paths[i % 2]
                start = time.perf_counter()
                try:
                    resp = c.get(path)
                    ok = resp.status_code == 200 and ("Ordre du jour" in resp.text
                                                      or "bilan" in resp.text)
                    err = None if ok else f"{path}: HTTP {resp.status_code}"
                except httpx.HTTPError as exc:
                    err = f"{path}: {type(exc).__name__}"
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if err:
                        errors.append(err)

        # one user alone first: the service time without queueing
        t0 = time.perf_counter()
        user(clients[0])
        alone_wall = time.perf_counter() - t0
        alone, alone_errors = sorted(latencies), list(errors)
        latencies.clear()
        errors.clear()

        load_before = os.getloadavg()
        t0 = time.perf_counter()
        barrier = threading.Barrier(args.users)
        threads = [threading.Thread(target=user, args=(c, barrier)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)

    def row(label: str, lat: list[float], n_errors: int, seconds: float) -> str:
        lat = sorted(lat)
        p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
        return (f"| {label} | {len(lat)} | {n_errors} | {1000 * statistics.median(lat):.0f} ms "
                f"| {1000 * p95:.0f} ms | {1000 * lat[-1]:.0f} ms | {len(lat) / seconds:.0f} "
                "req/s |")

    m = machine(("fastapi", "uvicorn", "starlette"))
    section = f"""

## Web workspace under load: {args.users} users × {args.requests} requests (issue 15) — {date.today().isoformat()}

`attribution serve` (one uvicorn process) on 127.0.0.1, bundled territory (6,002 demands,
115 units) after one round solved through the workspace ({round_s:.0f} s, `--shortlists
bound --quota-prices never`, 30 s limit) and two decisions recorded. {args.users} signed-in
landlord users (Silène), each making {args.requests} requests in turn on the commission
agenda (its units with their ranked candidates) and the year's bilan page, all at once.
Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, FastAPI {m['fastapi']},
uvicorn {m['uvicorn']}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}
(shared with other work).

| users × requests | requests | errors | median latency | 95th percentile | max | throughput |
|---|---|---|---|---|---|---|
{row(f"1 × {args.requests} (alone)", alone, len(alone_errors), alone_wall)}
{row(f"{args.users} × {args.requests} (all at once)", latencies, len(errors), wall)}

With {args.users} users at once the median is the queue: one process serves the requests
in turn, so the latency is about the number of users in flight divided by the
throughput; the "alone" row is the time one request takes.

Reproduce: `python benchmarks/bench_web.py --users {args.users} --requests {args.requests}`
"""
    publish(section, args.record)
    if errors or alone_errors:
        print("errors:", sorted(set(errors + alone_errors))[:10], file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
