#!/usr/bin/env python3
"""Search quality and latency: hits in the first five, and `/api/search` time per query.

The queries and the resource each must find are those of `tests/test_search.py`
(`EXPECTED`). The seed is built into a temporary folder (store and index), the
app is created over it, the expected hits are checked, and every distinct query
is sent to `/api/search?limit=5` through Flask's test client (in process: the
time is the app's, HTTP aside) `--rounds` times after one warm-up round; p50
and p90 are over all requests.

`--store DIR` measures an existing store and the search index beside it (a
corpus of `bench/corpus.py --build`) instead; its resources are not the seed's,
so the hits are not checked. `--http` sends the requests to `minami-kg serve
` over loopback, one at a time, each on a new connection (as
`scale_bench.py` does), and also gives the p50 of the warm-up round: the first
request of each query.

Run from the repository root:

    .venv/bin/python bench/search_bench.py [--rounds 5] [--verbose]
    .venv/bin/python bench/search_bench.py --store /tmp/c/corpus.store/store --limit 20 --http
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import sparql_bench as sb  # noqa: E402

from minami_kg.build import build  # noqa: E402
from minami_kg.config import Settings  # noqa: E402
from minami_kg.server import create_app  # noqa: E402
from tests.test_search import EXPECTED  # noqa: E402

Get = Callable[[str], tuple[int, bytes]]  # a path → status and body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--limit", type=int, default=5, help="hits asked for (the API's default: 20)"
    )
    parser.add_argument("--store", type=Path, help="an existing store, its index beside it")
    parser.add_argument("--http", action="store_true", help="through `minami-kg serve`")
    parser.add_argument("--verbose", action="store_true", help="print every query's top five")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # one client sending far more than a visitor may: no rate limit
        settings = Settings().with_changes(
            store=args.store or Path(folder) / "store", query_budget="off"
        )
        if args.store is None:
            build(settings)
        with served(settings, Path(folder)) if args.http else in_process(settings) as get:
            if args.store is None:
                check_hits(get, settings.base + "id/", args.verbose)
            first, times = timed(get, args.limit, args.rounds)
    times.sort()
    how = "over HTTP" if args.http else "in process"
    print(
        f"/api/search {how}, {len(times)} requests: p50 {ms(statistics.median(times))} ms, "
        f"p90 {ms(times[int(0.9 * (len(times) - 1))])} ms"
        + (
            f"; first request of each query: p50 {ms(statistics.median(first))} ms"
            if args.http
            else ""
        )
    )


@contextmanager
def in_process(settings: Settings) -> Iterator[Get]:
    client = create_app(settings).test_client()

    def get(path: str) -> tuple[int, bytes]:
        answer = client.get(path)
        return answer.status_code, answer.get_data()

    yield get


@contextmanager
def served(settings: Settings, folder: Path) -> Iterator[Get]:
    """`minami-kg serve` over the store, stopped at the end whatever happens."""
    port = sb.free_port()
    argv = [sb.tool("minami-kg"), "serve", "--store", str(settings.store)]
    argv += ["--host", sb.HOST, "--port", str(port)]
    server = sb.Server("minami-kg", port, "/sparql", argv, folder / "serve.log")
    saved = {k: v for k, v in os.environ.items() if k.startswith("MINAMI_KG_")}
    for key in saved:
        del os.environ[key]
    os.environ["MINAMI_KG_QUERY_BUDGET"] = "off"
    try:
        with sb.running([server]):

            def get(path: str) -> tuple[int, bytes]:
                conn = http.client.HTTPConnection(sb.HOST, port, timeout=60)
                try:
                    conn.request("GET", path, headers={"Accept": "application/json"})
                    response = conn.getresponse()
                    return response.status, response.read()
                finally:
                    conn.close()

            yield get
    finally:
        os.environ.pop("MINAMI_KG_QUERY_BUDGET")
        os.environ.update(saved)


def path_of(query: str, limit: int) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": query, "limit": limit})


def check_hits(get: Get, prefix: str, verbose: bool) -> None:
    found = 0
    for query, expected in EXPECTED:
        status, body = get(path_of(query, 5))
        if status != 200:
            sys.exit(f"{query!r}: HTTP {status}: {body[:300]!r}")
        top = [hit["iri"].removeprefix(prefix) for hit in json.loads(body)["results"]]
        found += expected in top
        if verbose or expected not in top:
            print(f"{'ok  ' if expected in top else 'MISS'} {query!r} → {expected}: {top}")
    print(f"hits in the first five: {found}/{len(EXPECTED)}")


def timed(get: Get, limit: int, rounds: int) -> tuple[list[float], list[float]]:
    """The warm-up round's times, and those of `rounds` rounds after it."""
    queries = list(dict.fromkeys(query for query, _ in EXPECTED))
    first: list[float] = []
    times: list[float] = []
    for round_ in range(rounds + 1):
        for query in queries:
            started = time.perf_counter()
            status, body = get(path_of(query, limit))
            (times if round_ else first).append(time.perf_counter() - started)
            if status != 200:
                sys.exit(f"{query!r}: HTTP {status}: {body[:300]!r}")
    return first, times


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


if __name__ == "__main__":
    main()
