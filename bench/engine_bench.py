#!/usr/bin/env python3
"""Benchmark the remote store on two real SPARQL servers: Oxigraph's and Virtuoso.

For each engine, in one run and over loopback:

1. start the server in a temporary folder (`oxigraph serve --location DIR`;
   Debian's `virtuoso-t` on a throwaway database, ini written here, SPARQL
   update granted with `isql-vt`);
2. time `minami-kg build --endpoint URL` of the seed (wall clock of the
   process) and count the quads it wrote (`RemoteStore.__len__`);
3. time the store's graph listing, which runs before every query
   (`RemoteStore.named_graphs`, p50 of 50 calls in this process);
4. start `minami-kg serve --endpoint URL` on a free port (work limit off).

Then every canned query of `queries/` (parameters bound to their defaults)
is sent through each app's `/sparql` (POST `application/sparql-query`,
`Accept: application/sparql-results+json`), each app's number of rows is
reported (a query on which the engines disagree shows both), and after a
warm-up each query is sent `--rounds` times to each app, alternating
(`sparql_bench.sequential`); p50 and p95 per query.
The report is a Markdown table on stdout (and in `--markdown FILE`).

Run from the repository root:

    .venv/bin/python bench/engine_bench.py --rounds 20

Everything runs in a temporary folder, removed at the end (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sparql_bench as sb

ROOT = sb.ROOT
HOST = sb.HOST

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort           = {host}:{sql_port}
DisableUnixSocket    = 1
DirsAllowed          = ., {folder}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty}
[HTTPServer]
ServerPort           = {host}:{http_port}
ServerRoot           = /var/lib/virtuoso-opensource-7/vsp
ServerThreads        = 10
EnabledDavVSP        = 0
[SPARQL]
ResultSetMaxRows           = 10000
MaxQueryExecutionTime      = 60
"""


@dataclass
class Engine:
    """A SPARQL server: how to start it, its endpoint, and how to stop it."""

    name: str
    endpoint: str
    start: Callable[[], None]
    stop: Callable[[], None]
    update: str | None = None  # None: the query endpoint takes updates too


def answers(endpoint: str) -> bool:
    """A form-posted ASK (Virtuoso never answers `application/sparql-query`)."""
    request = urllib.request.Request(
        endpoint,
        data=b"query=ASK%7B%7D",
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for(endpoint: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{endpoint}: the server exited ({process.returncode}); see {log}")
        if answers(endpoint):
            return
        time.sleep(0.1)
    sys.exit(f"{endpoint} did not answer within {seconds:g} s; see {log}")


def oxigraph(work: Path) -> Engine:
    port = sb.free_port()
    folder = work / "oxigraph"
    server = sb.Server(
        "oxigraph",
        port,
        "/query",
        [sb.tool("oxigraph"), "serve", "--location", str(folder), "--bind", f"{HOST}:{port}"],
        work / "oxigraph.log",
    )

    def start() -> None:
        server.start()
        assert server.process is not None
        wait_for(f"http://{HOST}:{port}/query", server.process, server.log, 30)

    url = f"http://{HOST}:{port}"
    return Engine("oxigraph", f"{url}/query", start, server.stop, update=f"{url}/update")


def virtuoso(work: Path, buffers: int) -> Engine:
    folder = work / "virtuoso"
    folder.mkdir()
    sql_port, http_port = sb.free_port(), sb.free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder,
            host=HOST,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
        )
    )
    log = work / "virtuoso.log"
    endpoint = f"http://{HOST}:{http_port}/sparql"
    server = sb.Server(
        "virtuoso",
        http_port,
        "/sparql",
        [shutil.which("virtuoso-t") or "virtuoso-t", "+foreground", "+configfile", str(ini)],
        log,
    )

    def start() -> None:
        server.start()
        assert server.process is not None
        wait_for(endpoint, server.process, log, 60)
        sb.run(["isql-vt", str(sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'])

    return Engine("virtuoso", endpoint, start, server.stop)


@contextmanager
def started(engine: Engine) -> Iterator[Engine]:
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()


def clean_env(work: Path, engine: Engine) -> dict[str, str]:
    """This process's environment without MINAMI_KG_*, plus the engine's endpoints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINAMI_KG_")}
    env["PYTHONPATH"] = str(ROOT)
    env["MINAMI_KG_ENDPOINT"] = engine.endpoint
    if engine.update:
        env["MINAMI_KG_UPDATE_ENDPOINT"] = engine.update
    env["MINAMI_KG_SEARCH_INDEX"] = str(work / f"{engine.name}-search.sqlite")
    env["MINAMI_KG_STORE"] = str(work / "unused-store")
    return env


def build(work: Path, engine: Engine) -> tuple[float, int, float]:
    """Wall seconds of `minami-kg build`, quads written, and the graph listing's p50 (ms)."""
    from minami_kg.config import Settings
    from minami_kg.store import RemoteStore

    env = clean_env(work, engine)
    start = time.perf_counter()
    done = subprocess.run(
        [sb.tool("minami-kg"), "build"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"minami-kg build on {engine.name} failed:\n{done.stdout}{done.stderr}")
    seconds = time.perf_counter() - start
    base = Settings().base
    store = RemoteStore(engine.endpoint, engine.update, graph_prefix=base + "graph/")
    quads = len(store)
    store.named_graphs()  # first call: learns how this server lists graphs
    samples = []
    for _ in range(50):
        t = time.perf_counter()
        store.named_graphs()
        samples.append(time.perf_counter() - t)
    return seconds, quads, statistics.median(samples) * 1000


def app(work: Path, engine: Engine) -> sb.Server:
    port = sb.free_port()
    environ = clean_env(work, engine)
    environ["MINAMI_KG_QUERY_BUDGET"] = "off"
    return sb.Server(
        f"app over {engine.name}",
        port,
        "/sparql",
        [sb.tool("minami-kg"), "serve", "--port", str(port)],
        work / f"app-{engine.name}.log",
        environ=environ,
    )


def rows_per_app(queries: list[sb.Query], apps: list[sb.Server]) -> dict[str, list[int | str]]:
    """Each query's number of rows (or ASK's answer) from each app, in the order of `apps`.

    Unlike `sparql_bench.check_same_rows` a disagreement does not stop the run: it is
    what this benchmark is for, and the table shows it.
    """
    clients = [sb.Client(app) for app in apps]
    counts: dict[str, list[int | str]] = {}
    for query in queries:
        counts[query.name] = []
        for client in clients:
            status, body, _ = client.post(query.text)
            if status != 200:
                sys.exit(f"{client.server.name} answered {status} to {query.name}: {body[:300]!r}")
            counts[query.name].append(sb.rows_of(body))
    for client in clients:
        client.close()
    return counts


def report(
    builds: dict[str, tuple[float, int, float]],
    queries: list[sb.Query],
    rows: dict[str, list[int | str]],
    latency: sb.Latency,
    apps: list[sb.Server],
    rounds: int,
) -> str:
    names = list(builds)
    lines = [
        "| engine | `minami-kg build` (wall) | quads | graph listing p50 |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, (seconds, quads, listing) in builds.items():
        lines.append(f"| {name} | {seconds:.2f} s | {quads:,} | {listing:.2f} ms |")
    lines += [
        "",
        f"`/sparql` of `minami-kg serve --endpoint …`, p50 / p95 of {rounds} rounds (ms):",
        "",
        "| query | rows | " + " | ".join(names) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " |",
    ]
    for query in queries:
        cells = [
            f"{latency.p(query.name, a.name, 50):.1f} / {latency.p(query.name, a.name, 95):.1f}"
            for a in apps
        ]
        counts = rows[query.name]
        shown = str(counts[0]) if len(set(counts)) == 1 else " ≠ ".join(map(str, counts))
        lines.append(f"| {query.name} | {shown} | " + " | ".join(cells) + " |")
    totals = [sum(latency.p(q.name, a.name, 50) for q in queries) for a in apps]
    lines.append("| **sum of p50** | | " + " | ".join(f"**{t:.1f}**" for t in totals) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--buffers", type=int, default=4_000, help="Virtuoso NumberOfBuffers")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from minami_kg.config import Settings

    work = Path(tempfile.mkdtemp(prefix="engine-bench-"))
    try:
        engines = [oxigraph(work), virtuoso(work, args.buffers)]
        queries = [q for q in sb.workload(Settings().base) if q.kind == "canned"]
        builds: dict[str, tuple[float, int, float]] = {}
        with started(engines[0]), started(engines[1]):
            for engine in engines:
                builds[engine.name] = build(work, engine)
                print(f"{engine.name}: built in {builds[engine.name][0]:.2f} s", file=sys.stderr)
            apps = [app(work, engine) for engine in engines]
            with sb.running(apps):
                rows = rows_per_app(queries, apps)
                latency = sb.sequential(queries, apps, args.rounds, args.warmup)
        text = report(builds, queries, rows, latency, apps, args.rounds)
        print(text)
        if args.markdown:
            args.markdown.write_text(text, encoding="utf-8")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
