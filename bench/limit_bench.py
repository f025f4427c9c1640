#!/usr/bin/env python3
"""How the work limit holds: one client's runaway queries against another's lookups.

`minami-kg serve` with its defaults (the limit on, 2 web processes) over the
seed graph, `MINAMI_KG_SPARQL_TIMEOUT` short so that a run takes seconds:

* calm: a client (127.0.0.2) sends a point lookup after another, alone;
* flood: meanwhile another client (127.0.0.3) sends four runaway queries at
  once, again as soon as they are answered, for `--seconds`;
* cheap: a third client (127.0.0.4) sends 600 cheap queries as fast as it
  can, and we count the refusals.

Reported: the lookups' latency (p50, p95, max) calm and under the flood, the
flood's answers by status, and the cheap client's refusals. Run from the
repository root:

    .venv/bin/python bench/limit_bench.py
"""

from __future__ import annotations

import argparse
import collections
import http.client
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LOOKUP = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?label WHERE { ?s skos:prefLabel ?label } LIMIT 5"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def post(conn: http.client.HTTPConnection, query: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn.request("POST", "/sparql", urlencode({"query": query, "format": "json"}), FORM)
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - start


def connect(port: int, source: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=60, source_address=(source, 0))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def lookups(port: int, stop: threading.Event) -> list[float]:
    conn = connect(port, "127.0.0.2")
    times = []
    while not stop.is_set():
        status, elapsed = post(conn, LOOKUP)
        assert status == 200, status
        times.append(elapsed)
    conn.close()
    return times


def flood(port: int, stop: threading.Event, statuses: collections.Counter[int]) -> None:
    def one() -> None:
        conn = connect(port, "127.0.0.3")
        statuses[post(conn, RUNAWAY)[0]] += 1
        conn.close()

    while not stop.is_set():
        wave = [threading.Thread(target=one) for _ in range(4)]
        for thread in wave:
            thread.start()
        for thread in wave:
            thread.join()


def timed(seconds: float, port: int, with_flood: bool) -> tuple[list[float], collections.Counter]:
    stop = threading.Event()
    statuses: collections.Counter[int] = collections.Counter()
    result: list[list[float]] = []
    threads = [threading.Thread(target=lambda: result.append(lookups(port, stop)))]
    if with_flood:
        threads.append(threading.Thread(target=flood, args=(port, stop, statuses)))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return result[0], statuses


def line(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 50):.2f} | {percentile(ms, 95):.2f} "
        f"| {max(ms):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="each phase (default 15)")
    parser.add_argument("--timeout", type=float, default=2, help="MINAMI_KG_SPARQL_TIMEOUT")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="minami-kg-limit-"))
    port = free_port()
    env = {
        **os.environ,
        "MINAMI_KG_STORE": str(work / "store"),
        "MINAMI_KG_SPARQL_TIMEOUT": str(args.timeout),
    }
    env.pop("MINAMI_KG_QUERY_BUDGET", None)  # the default: on
    cli = str(BIN / "minami-kg")
    subprocess.run([cli, "build"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [cli, "serve", "--host", HOST, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                post(connect(port, HOST), "ASK {}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        for source in ("127.0.0.2", "127.0.0.3"):  # start the query processes
            post(connect(port, source), "ASK {}")
        calm, _ = timed(args.seconds, port, with_flood=False)
        flooded, statuses = timed(args.seconds, port, with_flood=True)
        conn = connect(port, "127.0.0.4")
        cheap = collections.Counter(post(conn, "ASK { ?s ?p ?o }")[0] for _ in range(600))
        conn.close()
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(work, ignore_errors=True)
    print(f"Another client's lookups (ms), {args.seconds:g} s each, timeout {args.timeout:g} s:")
    print()
    print("| phase | lookups | p50 | p95 | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(line("calm", calm))
    print(line("4 runaway queries at a time from one client", flooded))
    print()
    print(
        "The flooding client's answers: "
        + ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items()))
    )
    print(
        "600 cheap queries from a third client: "
        + ", ".join(f"{n}× {s}" for s, n in sorted(cheap.items()))
    )


if __name__ == "__main__":
    main()
