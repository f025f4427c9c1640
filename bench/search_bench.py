#!/usr/bin/env python3
"""Search quality and latency: hits in the first five, and `/api/search` time per query.

The queries and the resource each must find are those of `tests/test_search.py`
(`EXPECTED`). The seed is built into a temporary folder (store and index), the
app is created over it, and every query is sent to `/api/search?limit=5`
through Flask's test client (in process: the time is the app's, HTTP aside)
`--rounds` times after one warm-up round; p50 and p90 are over all requests.

Run from the repository root:

    .venv/bin/python bench/search_bench.py [--rounds 5] [--verbose]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minami_kg.build import build
from minami_kg.config import Settings
from minami_kg.server import create_app
from tests.test_search import EXPECTED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print every query's top five")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # one client sending far more than a visitor may: no rate limit
        settings = Settings().with_changes(store=Path(folder) / "store", rate_limit="off")
        build(settings)
        client = create_app(settings).test_client()
        prefix = settings.base + "id/"
        found = 0
        for query, expected in EXPECTED:
            answer = client.get("/api/search", query_string={"q": query, "limit": 5})
            top = [hit["iri"].removeprefix(prefix) for hit in answer.json["results"]]
            found += expected in top
            if args.verbose or expected not in top:
                print(f"{'ok  ' if expected in top else 'MISS'} {query!r} → {expected}: {top}")
        times = []
        for _ in range(args.rounds):
            for query, _expected in EXPECTED:
                started = time.perf_counter()
                answer = client.get("/api/search", query_string={"q": query, "limit": 5})
                times.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    sys.exit(f"{query!r}: HTTP {answer.status_code}: {answer.get_data()!r}")
    times.sort()
    print(f"hits in the first five: {found}/{len(EXPECTED)}")
    print(
        f"/api/search over {len(times)} requests: p50 {1000 * statistics.median(times):.1f} ms, "
        f"p90 {1000 * times[int(0.9 * (len(times) - 1))]:.1f} ms"
    )


if __name__ == "__main__":
    main()
