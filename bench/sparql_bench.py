#!/usr/bin/env python3
"""Benchmark `/sparql` of `minami-kg serve` against `oxigraph serve-read-only`.

Both servers get the same N-Quads file and answer the same queries, over
loopback, in one run:

* the workload is every canned query in `queries/` (parameters bound to their
  defaults) plus a few point lookups, each sent as POST
  `application/sparql-query` with `Accept: application/sparql-results+json`;
  before timing, both servers must return the same number of rows;
* sequential latency: after a warm-up, N rounds, each query sent to one
  server then the other (the order alternates every round); p50 and p95;
* throughput: 8 client threads, one HTTP connection each, for a fixed window
  per server, alternating servers twice; requests per second;
* breakdown: for a few light queries, the time of the query alone
  (pyoxigraph in this process), of our query code, of the WSGI app in this
  process, and of the full HTTP request.

Data: `--size seed` is the graph `minami-kg build` makes from `data/sources/`;
`--size 200k` replicates its plan (the plan graph and every quad naming the
plan's resources) under other ward IRIs (`/id/minami/2022` ->
`/id/synth-NNN/2022`, `/graph/plan/minami/2022` -> `/graph/plan/synth-NNN/2022`)
until there are at least 200,000 quads.

Run from the repository root:

    .venv/bin/python bench/sparql_bench.py --size seed
    .venv/bin/python bench/sparql_bench.py --size 200k --rounds 30 --seconds 10

Everything runs in a temporary folder, removed at the end (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json"
CLIENTS = 8
SYNTH_TARGET = 200_000

# The targets (docs/performance.md).
SLOW_MS = 5.0  # Oxigraph p50 at or above: ours within SLOW_RATIO of it
SLOW_RATIO = 1.3
LIGHT_ADDED_MS = 1.0  # Oxigraph p50 below SLOW_MS: at most this much added
THROUGHPUT_RATIO = 0.7


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found next to {sys.executable} nor on PATH")
    return found


# ---------------------------------------------------------------- data


def build_seed(work: Path) -> Path:
    """Build the seed with `minami-kg build` and export it as sorted N-Quads."""
    store = work / "seed-build"
    nq = work / "seed.nq"
    run([tool("minami-kg"), "build", "--store", str(store)])
    run([tool("minami-kg"), "export", "--store", str(store), "--format", "nq", "-o", str(nq)])
    return nq


def synthesise(seed_nq: Path, out: Path, base: str, target: int) -> int:
    """Copies of the seed's plan under other ward IRIs until `target` quads; returns the count."""
    plan_iri = f"<{base}id/minami/2022"
    plan_graph = f"<{base}graph/plan/minami/2022>"
    lines = seed_nq.read_text(encoding="utf-8").splitlines()
    plan_lines = [ln for ln in lines if plan_iri in ln or ln.endswith(f" {plan_graph} .")]
    if not plan_lines:
        sys.exit(f"no quad of {plan_iri}> in {seed_nq}: is MINAMI_KG_BASE the one of the build?")
    quads = set(lines)
    copy = 0
    while len(quads) < target:
        copy += 1
        ward = f"synth-{copy:03d}"
        for line in plan_lines:
            quads.add(
                line.replace(plan_iri, f"<{base}id/{ward}/2022").replace(
                    plan_graph, f"<{base}graph/plan/{ward}/2022>"
                )
            )
    out.write_text("\n".join(sorted(quads)) + "\n", encoding="utf-8")
    return len(quads)


def run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    path: str  # the query endpoint's path
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    environ: dict[str, str] = field(default_factory=dict)  # added to this process's

    def start(self) -> None:
        with open(self.log, "wb") as log:
            # a session of its own, so stopping it stops its whole process group
            # (the server and its query processes)
            self.process = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.environ},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # == its process group, see start_new_session
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass
        with contextlib.suppress(ProcessLookupError):
            # leftovers of the group (query processes of a worker killed late)
            os.killpg(pgid, signal.SIGKILL)

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        client = Client(self)
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                sys.exit(f"{self.name} exited ({self.process.returncode}); see {self.log}")
            try:
                status, _, _ = client.post("ASK {}")
                if status == 200:
                    client.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit(f"{self.name} did not answer within {seconds:g} s; see {self.log}")


@contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        yield
    finally:
        for server in servers:
            server.stop()


class Client:
    """One HTTP/1.1 connection to a server, reopened when the server closes it.

    Both servers keep connections alive; a server may still close one (ours does
    when the worker holding it restarts), and the request is then sent again.
    """

    def __init__(self, server: Server, source: str = HOST, timeout: float = 60) -> None:
        self.server = server
        # each client its own loopback address, as clients on a network have: our
        # server's work limit (on, as by default) counts per address
        self.conn = http.client.HTTPConnection(
            HOST, server.port, timeout=timeout, source_address=(source, 0)
        )

    def post(self, query: str) -> tuple[int, bytes, float]:
        body = query.encode("utf-8")
        headers = {"Content-Type": "application/sparql-query", "Accept": ACCEPT}
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.conn.request("POST", self.server.path, body, headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, time.perf_counter() - start
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # a kept-alive connection the server had closed
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.conn.close()  # leave the connection usable for the next request
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# ---------------------------------------------------------------- workload


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    kind: str  # "canned" | "point"


def workload(base: str) -> list[Query]:
    from minami_kg.queries import canned_queries

    queries = [Query(q.name, q.bound({}, base), "canned") for q in canned_queries(ROOT / "queries")]
    measure = f"<{base}id/minami/2022/measure/gensai-01>"
    section = f"<{base}id/minami/section/koseki>"
    skos = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    mkg = "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"
    queries += [
        Query("point: measure ?p ?o", f"SELECT ?p ?o WHERE {{ {measure} ?p ?o }}", "point"),
        Query(
            "point: section label",
            skos + f"SELECT ?label WHERE {{ {section} skos:prefLabel ?label }}",
            "point",
        ),
        Query("point: ASK measure a", mkg + f"ASK {{ {measure} a mkg:Measure }}", "point"),
        Query("point: ASK {}", "ASK {}", "point"),
    ]
    return queries


def rows_of(body: bytes) -> int | str:
    data = json.loads(body)
    if "boolean" in data:
        return str(data["boolean"]).lower()
    return len(data["results"]["bindings"])


def check_same_rows(queries: list[Query], servers: list[Server]) -> dict[str, int | str]:
    clients = [Client(s) for s in servers]
    counts: dict[str, int | str] = {}
    bad = []
    for q in queries:
        answers = []
        for client in clients:
            status, body, _ = client.post(q.text)
            if status != 200:
                sys.exit(f"{client.server.name} answered {status} to {q.name}: {body[:300]!r}")
            answers.append(rows_of(body))
        if len(set(answers)) != 1:
            pairs = zip(servers, answers, strict=True)
            bad.append(f"{q.name}: " + ", ".join(f"{s.name} {a}" for s, a in pairs))
        counts[q.name] = answers[0]
    for client in clients:
        client.close()
    if bad:
        sys.exit("the servers disagree on the number of rows:\n  " + "\n  ".join(bad))
    return counts


# ---------------------------------------------------------------- measures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Latency:
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # query -> server -> s

    def p(self, query: str, server: str, pct: float) -> float:
        return percentile(self.samples[query][server], pct) * 1000


def sequential(queries: list[Query], servers: list[Server], rounds: int, warmup: int) -> Latency:
    clients = {s.name: Client(s) for s in servers}
    result = Latency({q.name: {s.name: [] for s in servers} for q in queries})
    for r in range(warmup + rounds):
        for i, q in enumerate(queries):
            order = servers if (r + i) % 2 == 0 else servers[::-1]
            for server in order:
                status, body, elapsed = clients[server.name].post(q.text)
                if status != 200:
                    sys.exit(f"{server.name} answered {status} to {q.name}: {body[:300]!r}")
                if r >= warmup:
                    result.samples[q.name][server.name].append(elapsed)
    for client in clients.values():
        client.close()
    return result


@dataclass
class Window:
    server: str
    mix: str
    requests: int
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def throughput(server: Server, queries: list[Query], mix: str, seconds: float) -> Window:
    """CLIENTS threads, each with its own connection, cycling through `queries`."""
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    barrier = threading.Barrier(CLIENTS + 1)
    deadline = [0.0]

    def client_loop(index: int) -> None:
        client = Client(server, source=f"127.0.1.{index + 1}")
        k = index * len(queries) // CLIENTS  # clients start at different queries
        barrier.wait()
        while True:
            q = queries[k % len(queries)]
            k += 1
            try:
                status, _, _ = client.post(q.text)
            except OSError:
                status = 0
            if time.perf_counter() > deadline[0]:
                break
            if status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
        client.close()

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    for t in threads:
        t.join(seconds + 120)
    return Window(server.name, mix, sum(counts), sum(errors), seconds)


def back_to_back(server: Server, query: str, n: int) -> float:
    """Median ms of `query` sent n times in a row to one server (no interleaving)."""
    client = Client(server)
    times = []
    for i in range(n + 20):
        status, _, elapsed = client.post(query)
        if i >= 20 and status == 200:
            times.append(elapsed)
    client.close()
    return statistics.median(times) * 1000


def breakdown(store_path: Path, base: str, queries: list[Query], repeat: int) -> list[dict]:
    """Where the time of a light query goes in our stack, measured in this process.

    direct:   pyoxigraph Store.query + serialise to JSON (what Oxigraph itself does)
    execute:  our query code (the row cap, the negotiated format), in process
    pool:     + the hop to a query process and back (`sparql.pool`)
    app:      the whole Flask app called in process as a WSGI application, as the
              HTTP server calls it: + routing, protocol, negotiation, the work limit
              and caching (Flask's test client would add 0.08 ms of its own)
    """
    import dataclasses
    import io

    from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, Store
    from werkzeug.test import EnvironBuilder

    from minami_kg.config import Settings
    from minami_kg.results.formats import parse_accept
    from minami_kg.results.write import Job, execute
    from minami_kg.server import create_app
    from minami_kg.server.follower import get_follower
    from minami_kg.server.sparql import get_pool

    store = Store.read_only(os.path.realpath(store_path))
    # The app gets a copy of the store in a folder of its own: over the served one, its
    # work limit would share the running server's counter file, and count as one of
    # several processes (a transaction a request) where the server counts alone.
    own = Path(tempfile.mkdtemp(prefix="breakdown-")) / "store"
    shutil.copytree(os.path.realpath(store_path), own)
    app = create_app(
        dataclasses.replace(Settings.from_env(), store=own, search_index=own.parent / "index")
    )
    follower = get_follower(app)
    follower.kick()
    follower.wait()  # its search index is built before the timing, not during it
    headers = {"Content-Type": "application/sparql-query", "Accept": ACCEPT}
    out = []
    try:
        for q in queries:
            job = Job(q.text, base_iri=f"http://{HOST}/sparql", accept=parse_accept(ACCEPT))

            def direct(q: Query = q) -> None:
                result = store.query(q.text, use_default_graph_as_union=True)
                assert isinstance(result, QuerySolutions | QueryBoolean)  # the light ones
                result.serialize(format=QueryResultsFormat.JSON)

            def ours(job: Job = job) -> None:
                execute(store, job)

            def pooled(job: Job = job) -> None:
                get_pool(app).run(job)

            body = q.text.encode()
            environ = EnvironBuilder(
                "/sparql", method="POST", data=body, headers=list(headers.items())
            ).get_environ()

            def whole_app(environ: dict = environ, body: bytes = body) -> None:
                answer = app({**environ, "wsgi.input": io.BytesIO(body)}, start_response)
                b"".join(answer)
                answer.close()  # type: ignore[attr-defined]

            row: dict[str, str | float] = {"query": q.name}
            steps = (("direct", direct), ("execute", ours), ("pool", pooled), ("app", whole_app))
            for label, fn in steps:
                row[label] = median_ms(fn, repeat)
            out.append(row)
    finally:
        get_pool(app).close()
        shutil.rmtree(own.parent, ignore_errors=True)
    return out


def start_response(
    status: str, headers: list[tuple[str, str]], exc_info: object = None, /
) -> Callable[[bytes], object]:
    """What the HTTP server would send; here nothing: only the app's own time is wanted."""
    return discard


def discard(data: bytes) -> None:
    """WSGI's `write`, which the app does not use."""


def median_ms(fn: Callable[[], None], repeat: int) -> float:
    for _ in range(max(3, repeat // 10)):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    import pyoxigraph

    oxi = subprocess.run([tool("oxigraph"), "--version"], capture_output=True, text=True)
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.date.today().isoformat(),
        "nproc": str(os.cpu_count()),
        "cpu": cpu or platform.processor(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({sys.base_prefix})",
        "pyoxigraph": pyoxigraph.__version__,
        "oxigraph": oxi.stdout.strip(),
    }


def fmt_ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def verdict(ours: float, theirs: float) -> tuple[str, str]:
    """(target, met) for one query's p50s in ms."""
    if theirs >= SLOW_MS:
        return f"≤ {SLOW_RATIO}×", "yes" if ours <= SLOW_RATIO * theirs else "**no**"
    return f"≤ +{LIGHT_ADDED_MS} ms", "yes" if ours - theirs <= LIGHT_ADDED_MS else "**no**"


def table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(header))) + " |"
    )
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(
    args: argparse.Namespace,
    info: dict[str, str],
    quads: int,
    counts: dict[str, int | str],
    latency: Latency,
    windows: list[Window],
    parts: list[dict],
    ours: str,
    theirs: str,
) -> str:
    out = [f"### {args.size}: {quads:,} quads", ""]
    out.append(
        f"{info['date']}; {info['nproc']} CPUs ({info['cpu']}), {info['os']}; Python "
        f"{info['python']}, pyoxigraph {info['pyoxigraph']}, {info['oxigraph']}. "
        f"Sequential: {args.warmup} warm-up + {args.rounds} rounds; throughput: {CLIENTS} "
        f"clients, {args.seconds:g} s per window. Ours with its defaults: "
        f"the work limit on ({info['limit']})."
    )
    out += ["", "Sequential latency (ms, client side, full response read):", ""]
    rows = []
    met = {"slow": [0, 0], "light": [0, 0]}
    for name in latency.samples:
        o50, o95 = latency.p(name, ours, 50), latency.p(name, ours, 95)
        t50, t95 = latency.p(name, theirs, 50), latency.p(name, theirs, 95)
        target, ok = verdict(o50, t50)
        bucket = met["slow" if t50 >= SLOW_MS else "light"]
        bucket[1] += 1
        bucket[0] += ok == "yes"
        rows.append(
            [
                name,
                str(counts[name]),
                fmt_ms(o50),
                fmt_ms(o95),
                fmt_ms(t50),
                fmt_ms(t95),
                f"{o50 / t50:.2f}",
                f"{o50 - t50:+.2f}",
                target,
                ok,
            ]
        )
    out.append(
        table(
            [
                "query",
                "rows",
                "ours p50",
                "ours p95",
                "oxigraph p50",
                "oxigraph p95",
                "p50 ratio",
                "p50 added ms",
                "target",
                "met",
            ],
            rows,
            set(range(1, 8)),
        )
    )
    total_o = sum(latency.p(n, ours, 50) for n in latency.samples)
    total_t = sum(latency.p(n, theirs, 50) for n in latency.samples)
    out += [
        "",
        f"Sum of p50s: ours {total_o:.1f} ms, Oxigraph {total_t:.1f} ms "
        f"(ratio {total_o / total_t:.2f}). Targets: queries ≥ {SLOW_MS:g} ms on Oxigraph "
        f"within {SLOW_RATIO}×: {met['slow'][0]}/{met['slow'][1]}; lighter ones "
        f"with ≤ {LIGHT_ADDED_MS} ms added: {met['light'][0]}/{met['light'][1]}.",
        "",
        f"Throughput, {CLIENTS} concurrent clients (requests/s; windows in the order run):",
        "",
    ]
    rows = []
    for mix in dict.fromkeys(w.mix for w in windows):
        ws = [w for w in windows if w.mix == mix]
        mine = [w for w in ws if w.server == ours]
        other = [w for w in ws if w.server == theirs]
        r_o = sum(w.requests for w in mine) / sum(w.seconds for w in mine)
        r_t = sum(w.requests for w in other) / sum(w.seconds for w in other)
        ratio = r_o / r_t
        errs = sum(w.errors for w in ws)
        rows.append(
            [
                mix,
                " / ".join(f"{w.rate:.0f}" for w in mine),
                " / ".join(f"{w.rate:.0f}" for w in other),
                f"{r_o:.0f}",
                f"{r_t:.0f}",
                f"{ratio:.2f}",
                "yes" if ratio >= THROUGHPUT_RATIO else "**no**",
                str(errs),
            ]
        )
    out.append(
        table(
            [
                "mix",
                "ours windows",
                "oxigraph windows",
                "ours",
                "oxigraph",
                "ratio",
                f"≥ {THROUGHPUT_RATIO}",
                "errors",
            ],
            rows,
            set(range(1, 6)) | {7},
        )
    )
    if parts:
        out += [
            "",
            "Where a light query's time goes in ours (median ms; direct = pyoxigraph in "
            "process, execute = our query code in process, pool = + the hop to a query "
            "process and back, app = + the Flask app called in process as a WSGI "
            "application (protocol, limit, caching), HTTP = our p50 above, so "
            "HTTP − app = waitress, the network and the client):",
            "",
        ]
        rows = []
        for part in parts:
            name = part["query"]
            http_o, http_t = latency.p(name, ours, 50), latency.p(name, theirs, 50)
            rows.append(
                [
                    name,
                    f"{part['direct']:.3f}",
                    f"{part['execute']:.3f}",
                    f"{part['pool']:.3f}",
                    f"{part['app']:.3f}",
                    f"{http_o:.3f}",
                    f"{http_o - part['app']:.3f}",
                    f"{http_t:.3f}",
                ]
            )
        out.append(
            table(
                [
                    "query",
                    "direct",
                    "execute",
                    "pool",
                    "app",
                    "ours HTTP",
                    "HTTP − app",
                    "oxigraph HTTP",
                ],
                rows,
                set(range(1, 8)),
            )
        )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["seed", "200k"], default="seed")
    parser.add_argument("--rounds", type=int, default=40, help="timed rounds (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=10, help="throughput window per server (default 10)"
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 1000 or not 0 < args.seconds <= 120:
        parser.error("--rounds must be 1..1000 and --seconds 0..120")

    from minami_kg.config import Settings
    from minami_kg.store import replace_store

    base = Settings.from_env().base
    info = machine()
    work = Path(tempfile.mkdtemp(prefix="minami-kg-bench-"))
    try:
        t0 = time.perf_counter()
        nq = build_seed(work)
        if args.size == "200k":
            synth = work / "synth.nq"
            quads = synthesise(nq, synth, base, SYNTH_TARGET)
            nq = synth
        else:
            quads = sum(1 for _ in nq.open(encoding="utf-8"))
        ours_store = work / "ours"
        replace_store(ours_store, nq)
        run([tool("oxigraph"), "load", "--location", str(work / "oxigraph"), "--file", str(nq)])
        print(f"data: {quads:,} quads in {nq.name}, loaded in {time.perf_counter() - t0:.1f} s")

        ours = Server(
            "minami-kg",
            free_port(),
            "/sparql",
            [
                tool("minami-kg"),
                "serve",
                "--store",
                str(ours_store),
                "--host",
                HOST,
                "--port",
                "0",
            ],
            work / "minami-kg.log",
        )
        ours.argv[ours.argv.index("--port") + 1] = str(ours.port)
        theirs = Server(
            "oxigraph",
            free_port(),
            "/query",
            [
                tool("oxigraph"),
                "serve-read-only",
                "--location",
                str(work / "oxigraph"),
                "--bind",
                f"{HOST}:0",
                "--union-default-graph",
            ],
            work / "oxigraph.log",
        )
        theirs.argv[theirs.argv.index("--bind") + 1] = f"{HOST}:{theirs.port}"
        servers = [ours, theirs]
        queries = workload(base)
        with running(servers):
            counts = check_same_rows(queries, servers)
            print(f"rows agree on {len(queries)} queries; sequential latency …", flush=True)
            latency = sequential(queries, servers, args.rounds, args.warmup)
            windows = []
            mixes = [
                ("canned queries", [q for q in queries if q.kind == "canned"]),
                ("point lookups", [q for q in queries if q.kind == "point"]),
            ]
            for mix, qs in mixes:
                for server in [ours, theirs, ours, theirs]:
                    print(f"throughput: {mix} on {server.name} …", flush=True)
                    windows.append(throughput(server, qs, mix, args.seconds))
            print("ASK {} back to back …", flush=True)
            alone = {s.name: back_to_back(s, "ASK {}", 300) for s in servers}
            print("breakdown …", flush=True)
            light = [q for q in queries if q.kind == "point"]
            parts = breakdown(ours_store, base, light, repeat=200)
        settings = Settings.from_env()
        info["limit"] = (
            f"MINAMI_KG_QUERY_BUDGET={settings.query_budget}, "
            f"MINAMI_KG_CLIENT_CONCURRENCY={settings.client_concurrency}"
        )
        text = report(args, info, quads, counts, latency, windows, parts, ours.name, theirs.name)
        text += (
            f"\n`ASK {{}}` sent 300 times back to back to one server (not interleaved), median: "
            f"ours {alone[ours.name]:.3f} ms, Oxigraph {alone[theirs.name]:.3f} ms "
            f"(+{alone[ours.name] - alone[theirs.name]:.3f} ms).\n"
        )
        print()
        print(text)
        if args.markdown:
            args.markdown.write_text(text, encoding="utf-8")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
