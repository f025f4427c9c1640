#!/usr/bin/env python3
"""Many plans: build, load, `/sparql`, pages, search and memory at 1, 18, 180 plans and 2M quads.

For each size the synthetic corpus of `bench/corpus.py` is written into a
work folder (under /tmp by default, never `data/`) and measured:

* build: `minami-kg build` over the corpus, `--build-repeat` times; wall time
  and peak RSS of the child (`os.wait4`), medians;
* load: the build's graph exported as sorted N-Quads, loaded by our store step
  (`minami_kg.store.replace_store`, timed around the call in a child process)
  and by `oxigraph load --location DIR --file X.nq` (the process's wall time),
  alternating which goes first, `--load-repeat` times; quads/s, medians;
* `/sparql`: `minami-kg serve` over our loaded store against
  `oxigraph serve-read-only --union-default-graph` over Oxigraph's, every
  canned query (defaults bound) to one then the other, order alternating
  (`sparql_bench.sequential`); both must return the same number of rows;
* pages and search over HTTP against `minami-kg serve`: `/page/...` of plans,
  measures and sections (a fixed sample), `/api/search?q=` over the queries of
  `tests/test_search.py`, `--page-rounds` rounds; p50/p95;
* server memory after the runs: RSS and PSS of the server and its query processes.

`2m`: the graph of 180 plans (18 wards × 10 years) with every quad naming a ward
(`kaku-<name>`) copied under renamed wards (`x1-kaku-<name>` …), ward by ward,
until there are at least 2,000,000 quads; there is no build of it, its search
index is written from our loaded store with `minami_kg.search.build_index`.
`seed` (always run): `minami-kg build` of `data/sources/`, `--build-repeat` times.

    .venv/bin/python bench/scale_bench.py --sizes 1,18,180,2m --markdown /tmp/scale.md
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402
import sparql_bench as sb  # noqa: E402

SIZES = {"1": (1, 1), "18": (18, 1), "180": (18, 10)}
TWO_MILLION = 2_000_000
MKG = "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"

# Targets (issue 7, point 5).
SEED_BUILD_S = 2.0
LOAD_RATIO = 0.8
SPARQL_RATIO = 1.3
PAGE_MS = 30.0
SEARCH_MS = 20.0
SERVER_MIB = 400.0


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINAMI_KG_")}
    env.update(extra)
    return env


def timed_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, stdout) of one child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({process.returncode}):\n{err.read().decode()}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


# ---------------------------------------------------------------- build and load


@dataclass
class Size:
    name: str
    plans: int = 0
    quads: int = 0
    build_s: list[float] = field(default_factory=list)
    build_mib: list[float] = field(default_factory=list)
    ours_load_s: list[float] = field(default_factory=list)
    oxi_load_s: list[float] = field(default_factory=list)
    index_s: float | None = None
    latency: sb.Latency | None = None
    counts: dict[str, int | str] = field(default_factory=dict)
    pages: dict[str, list[float]] = field(default_factory=dict)
    cold: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    oxi_rss_mib: float = 0.0
    loadavg: list[float] = field(default_factory=list)

    def note_load(self) -> None:
        """The 1-minute load average now: the machine is shared, so say how busy it was."""
        self.loadavg.append(float(Path("/proc/loadavg").read_text().split()[0]))


def build_corpus(size: Size, work: Path, repeat: int, seed: int) -> tuple[Path, Path]:
    """Write the corpus, build it `repeat` times; returns (store, sorted N-Quads)."""
    wards, years = SIZES[size.name]
    sources = work / f"corpus-{size.name}"
    written = corpus.write_corpus(sources, wards, years, seed, 2019)
    size.plans = len(written)
    store = work / f"build-{size.name}" / "store"
    env = clean_env(MINAMI_KG_SOURCES=str(sources))
    for i in range(repeat):
        wall, mib, _ = timed_child([sb.tool("minami-kg"), "build", "--store", str(store)], env)
        size.build_s.append(wall)
        size.build_mib.append(mib)
        size.note_load()
        print(f"  build {size.name} #{i + 1}: {wall:.2f} s, {mib:.0f} MiB", flush=True)
    nq = work / f"{size.name}.nq"
    sb.run([sb.tool("minami-kg"), "export", "--store", str(store), "--format", "nq", "-o", str(nq)])
    return store, nq


def build_seed(work: Path, repeat: int) -> Size:
    size = Size("seed", plans=1)
    store = work / "build-seed" / "store"
    for i in range(repeat):
        wall, mib, out = timed_child(
            [sb.tool("minami-kg"), "build", "--store", str(store)], clean_env()
        )
        size.build_s.append(wall)
        size.build_mib.append(mib)
        size.note_load()
        print(f"  build seed #{i + 1}: {wall:.2f} s, {mib:.0f} MiB", flush=True)
    size.quads = int(re.search(r"(\d+) quads written", out).group(1))
    return size


WARD = re.compile(r"kaku-[a-z]+")


def two_million(nq180: Path, out: Path, target: int) -> int:
    """The 180-plan graph plus ward-renamed copies of its wards' quads, until `target` quads."""
    lines = nq180.read_text(encoding="utf-8").splitlines()
    by_ward: dict[str, list[str]] = {}
    for line in lines:
        found = WARD.search(line)
        if found:
            by_ward.setdefault(found.group(0), []).append(line)
    quads = set(lines)
    copy = 0
    while len(quads) < target:
        copy += 1
        for ward_lines in by_ward.values():
            prefix = f"x{copy}-"
            quads.update(WARD.sub(lambda m, x=prefix: x + m.group(0), ln) for ln in ward_lines)
            if len(quads) >= target:
                break
    out.write_text("\n".join(sorted(quads)) + "\n", encoding="utf-8")
    return len(quads)


def plan_count(nq: Path) -> int:
    """How many plan graphs an N-Quads file has."""
    graphs = set()
    with nq.open(encoding="utf-8") as lines:
        for line in lines:
            found = re.search(r"<[^>]*/graph/plan/[^>]*> \.$", line)
            if found:
                graphs.add(found.group(0))
    return len(graphs)


OUR_LOAD = """
import sys, time
from pathlib import Path
from minami_kg.store import replace_store
started = time.perf_counter()
replace_store(Path(sys.argv[1]), Path(sys.argv[2]))
print(time.perf_counter() - started)
"""


def load_both(size: Size, nq: Path, work: Path, repeat: int) -> tuple[Path, Path]:
    """Load `nq` into our store and Oxigraph's, alternating; returns both store paths."""
    ours = work / f"ours-{size.name}" / "store"
    oxi = work / f"oxigraph-{size.name}"
    for i in range(repeat):
        steps = ["ours", "oxigraph"] if i % 2 == 0 else ["oxigraph", "ours"]
        for step in steps:
            if step == "ours":
                _, _, out = timed_child([sys.executable, "-c", OUR_LOAD, str(ours), str(nq)])
                size.ours_load_s.append(float(out.strip()))
            else:
                shutil.rmtree(oxi, ignore_errors=True)
                wall, _, _ = timed_child(
                    [sb.tool("oxigraph"), "load", "--location", str(oxi), "--file", str(nq)]
                )
                size.oxi_load_s.append(wall)
        size.note_load()
        print(
            f"  load {size.name} #{i + 1}: ours {size.ours_load_s[-1]:.2f} s, "
            f"oxigraph {size.oxi_load_s[-1]:.2f} s",
            flush=True,
        )
    return ours, oxi


INDEX = """
import sys, time
from pathlib import Path
from minami_kg.search import build_index
from minami_kg.store import EmbeddedStore
started = time.perf_counter()
build_index(EmbeddedStore(Path(sys.argv[1])), sys.argv[2], Path(sys.argv[3]))
print(time.perf_counter() - started)
"""


# ---------------------------------------------------------------- servers


def servers(size: Size, ours_store: Path, oxi_store: Path, work: Path) -> list[sb.Server]:
    port = sb.free_port()
    ours = sb.Server(
        "minami-kg",
        port,
        "/sparql",
        [
            sb.tool("minami-kg"),
            "serve",
            "--store",
            str(ours_store),
            "--host",
            sb.HOST,
            "--port",
            str(port),
        ],
        work / f"minami-kg-{size.name}.log",
    )
    oport = sb.free_port()
    theirs = sb.Server(
        "oxigraph",
        oport,
        "/query",
        [
            sb.tool("oxigraph"),
            "serve-read-only",
            "--location",
            str(oxi_store),
            "--bind",
            f"{sb.HOST}:{oport}",
            "--union-default-graph",
        ],
        work / f"oxigraph-{size.name}.log",
    )
    return [ours, theirs]


@contextmanager
def clean_server_env() -> Iterator[None]:
    """`minami-kg serve` reads MINAMI_KG_* from the environment: none of the caller's.

    The rate limit is off (one client sends many requests), and the row cap and the
    time limit of /sparql are raised so that at 2M quads both servers return every row.
    """
    saved = {k: v for k, v in os.environ.items() if k.startswith("MINAMI_KG_")}
    for k in saved:
        del os.environ[k]
    ours = {
        "MINAMI_KG_QUERY_BUDGET": "off",
        "MINAMI_KG_MAX_ROWS": "10000000",
        "MINAMI_KG_SPARQL_TIMEOUT": "300",
    }
    os.environ.update(ours)
    try:
        yield
    finally:
        for k in ours:
            del os.environ[k]
        os.environ.update(saved)


def get(port: int, path: str, accept: str) -> float:
    conn = http.client.HTTPConnection(sb.HOST, port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        sys.exit(f"GET {path}: {response.status} {body[:300]!r}")
    return elapsed


def sample_pages(store: Path, base: str, seed: int) -> dict[str, list[str]]:
    """Paths of /page/... : up to 10 plans, 30 measures, 20 sections, drawn with `seed`."""
    from pyoxigraph import Store

    db = Store.read_only(os.path.realpath(store))
    rng = random.Random(seed)
    out = {}
    for kind, cls, count in (
        ("plan", "Plan", 10),
        ("measure", "Measure", 30),
        ("section", "Section", 20),
    ):
        rows = db.query(
            MKG + f"SELECT DISTINCT ?x WHERE {{ ?x a mkg:{cls} }}", use_default_graph_as_union=True
        )
        iris = sorted(r["x"].value for r in rows)
        chosen = sorted(rng.sample(iris, min(count, len(iris))))
        out[kind] = ["/page/" + iri.removeprefix(base + "id/") for iri in chosen]
    del db
    return out


def search_queries() -> list[str]:
    from tests.test_search import EXPECTED

    return list(dict.fromkeys(q for q, _ in EXPECTED))


def pages_and_search(size: Size, port: int, paths: dict[str, list[str]], rounds: int) -> None:
    queries = search_queries()
    requests = [(kind, p, "text/html") for kind, ps in paths.items() for p in ps]
    requests += [
        ("search", "/api/search?q=" + urllib.parse.quote(q), "application/json") for q in queries
    ]
    size.pages = {kind: [] for kind, _, _ in requests}
    size.cold = {kind: [] for kind, _, _ in requests}
    for kind, path, accept in requests:  # the first request of each: caches still cold
        size.cold[kind].append(get(port, path, accept))
    for _ in range(rounds):
        for kind, path, accept in requests:
            size.pages[kind].append(get(port, path, accept))


def group_memory(pgid: int) -> dict[str, float]:
    """RSS, PSS and anonymous memory (MiB) summed over a process group (server + query processes).

    RSS counts the pages the processes share (the SudachiPy dictionary and the store's
    files, mapped; the code) once per process; PSS divides each among its sharers;
    anonymous is what the processes allocated themselves, the rest being file pages.
    """
    rss = pss = anon = 0.0
    count = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
                elif line.startswith("Anonymous:"):
                    anon += int(line.split()[1]) / 1024
            count += 1
        except (OSError, ValueError, IndexError):
            continue
    return {"rss": rss, "pss": pss, "anon": anon, "processes": count}


def serve_and_measure(
    size: Size, ours_store: Path, oxi_store: Path, work: Path, args: argparse.Namespace, base: str
) -> None:
    both = servers(size, ours_store, oxi_store, work)
    queries = [q for q in sb.workload(base) if q.kind == "canned"]
    paths = sample_pages(ours_store, base, args.seed)
    with clean_server_env(), sb.running(both):
        print(f"  /sparql {size.name}: {len(queries)} canned queries …", flush=True)
        size.counts = sb.check_same_rows(queries, both)
        rounds, warmup = (args.rounds_2m, 1) if size.name == "2m" else (args.rounds, args.warmup)
        size.latency = sb.sequential(queries, both, rounds, warmup)
        size.note_load()
        print(f"  pages and search {size.name} …", flush=True)
        pages_and_search(size, both[0].port, paths, args.page_rounds)
        size.note_load()
        size.memory = group_memory(both[0].process.pid)
        size.oxi_rss_mib = group_memory(both[1].process.pid)["rss"]


# ---------------------------------------------------------------- report


def med(values: list[float]) -> float:
    return statistics.median(values)


def p(values: list[float], pct: float) -> float:
    return sb.percentile(values, pct) * 1000


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(sizes: list[Size], seed: Size, args: argparse.Namespace, info: dict[str, str]) -> str:
    out = [
        f"{info['date']}; {info['nproc']} CPUs ({info['cpu']}), {info['os']} (the load "
        f"average at each step is in the table); Python {info['python']}, "
        f"pyoxigraph {info['pyoxigraph']}, {info['oxigraph']}. "
        f"Builds ×{args.build_repeat}, loads ×{args.load_repeat} "
        f"(alternating), /sparql {args.warmup} warm-up + {args.rounds} interleaved rounds, "
        f"pages and search {args.page_rounds} rounds; medians.",
        "",
        f"Seed (`data/sources/`, {seed.quads:,} quads): build {med(seed.build_s):.2f} s wall "
        f"(runs: {', '.join(f'{s:.2f}' for s in seed.build_s)}), peak "
        f"{med(seed.build_mib):.0f} MiB; target ≤ {SEED_BUILD_S:g} s: "
        f"{yes(med(seed.build_s) <= SEED_BUILD_S)} (load average "
        f"{min(seed.loadavg):.1f}–{max(seed.loadavg):.1f}).",
        "",
    ]
    header = ["", *(f"{s.name} ({s.plans} plans)" for s in sizes)]
    rows: list[list[str]] = []

    def row(label: str, cell: Callable[[Size], str]) -> None:
        rows.append([label, *(cell(s) for s in sizes)])

    row("quads", lambda s: f"{s.quads:,}")
    row("build wall (s)", lambda s: f"{med(s.build_s):.2f}" if s.build_s else "—")
    row("build peak RSS (MiB)", lambda s: f"{med(s.build_mib):.0f}" if s.build_mib else "—")
    row("search index (s)", lambda s: f"{s.index_s:.1f}" if s.index_s is not None else "(build)")
    row("load, ours (s)", lambda s: f"{med(s.ours_load_s):.2f}")
    row("load, oxigraph load (s)", lambda s: f"{med(s.oxi_load_s):.2f}")
    row("load, ours (quads/s)", lambda s: f"{s.quads / med(s.ours_load_s):,.0f}")
    row("load, oxigraph (quads/s)", lambda s: f"{s.quads / med(s.oxi_load_s):,.0f}")
    row(
        f"load ratio (≥ {LOAD_RATIO})",
        lambda s: (
            f"{med(s.oxi_load_s) / med(s.ours_load_s):.2f} "
            + yes(med(s.oxi_load_s) / med(s.ours_load_s) >= LOAD_RATIO)
        ),
    )

    def worst(s: Size) -> tuple[float, str]:
        ratios = [
            (s.latency.p(n, "minami-kg", 50) / s.latency.p(n, "oxigraph", 50), n)
            for n in s.latency.samples
        ]
        return max(ratios)

    def within(s: Size) -> str:
        names = list(s.latency.samples)
        ok = sum(
            s.latency.p(n, "minami-kg", 50) <= SPARQL_RATIO * s.latency.p(n, "oxigraph", 50)
            for n in names
        )
        return f"{ok}/{len(names)}"

    def total(s: Size, server: str) -> float:
        return sum(s.latency.p(n, server, 50) for n in s.latency.samples)

    row(
        f"/sparql: queries with p50 ≤ {SPARQL_RATIO}× Oxigraph",
        lambda s: within(s),
    )
    row("/sparql: worst p50 ratio", lambda s: f"{worst(s)[0]:.2f} ({worst(s)[1]})")
    row(
        "/sparql: sum of p50s, ours / Oxigraph (ms)",
        lambda s: (
            f"{total(s, 'minami-kg'):.0f} / {total(s, 'oxigraph'):.0f} = "
            f"{total(s, 'minami-kg') / total(s, 'oxigraph'):.2f}"
        ),
    )
    for kind in ("plan", "measure", "section", "search"):
        target = SEARCH_MS if kind == "search" else PAGE_MS
        label = "/api/search" if kind == "search" else f"/page/ of a {kind}"
        row(
            f"{label} p50 / p95 (ms)",
            lambda s, k=kind, t=target: (
                f"{p(s.pages[k], 50):.1f} / {p(s.pages[k], 95):.1f}"
                + (f" {yes(p(s.pages[k], 50) <= t)}" if s.name == "180" else "")
            ),
        )
    row(
        "/api/search, first request of each query, p50 (ms)",
        lambda s: f"{p(s.cold['search'], 50):.1f}",
    )
    row(
        "server RSS / PSS / anonymous, with its query processes (MiB)",
        lambda s: (
            f"{s.memory['rss']:.0f} / {s.memory['pss']:.0f} / {s.memory.get('anon', 0):.0f}"
            + (
                f" RSS {yes(s.memory['rss'] <= SERVER_MIB)},"
                f" PSS {yes(s.memory['pss'] <= SERVER_MIB)}"
                if s.name == "180"
                else ""
            )
        ),
    )
    row("Oxigraph server RSS (MiB)", lambda s: f"{s.oxi_rss_mib:.0f}")
    row(
        "load average (1 min) seen, min–max",
        lambda s: f"{min(s.loadavg):.1f}–{max(s.loadavg):.1f}",
    )
    out.append(sb.table(header, rows, set(range(1, len(header)))))
    for s in sizes:
        out += ["", f"`/sparql` at {s.name} ({s.quads:,} quads), ms:", ""]
        qrows = []
        for n in s.latency.samples:
            o50, t50 = s.latency.p(n, "minami-kg", 50), s.latency.p(n, "oxigraph", 50)
            qrows.append(
                [
                    n,
                    str(s.counts[n]),
                    sb.fmt_ms(o50),
                    sb.fmt_ms(s.latency.p(n, "minami-kg", 95)),
                    sb.fmt_ms(t50),
                    sb.fmt_ms(s.latency.p(n, "oxigraph", 95)),
                    f"{o50 / t50:.2f}",
                    yes(o50 <= SPARQL_RATIO * t50),
                ]
            )
        out.append(
            sb.table(
                ["query", "rows", "ours p50", "ours p95", "oxi p50", "oxi p95", "ratio", "≤ 1.3×"],
                qrows,
                set(range(1, 7)),
            )
        )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,18,180,2m", help="of 1, 18, 180, 2m")
    parser.add_argument("--work", type=Path, help="work folder (default: a new one under /tmp)")
    parser.add_argument("--seed", type=int, default=1, help="corpus and sample seed")
    parser.add_argument("--build-repeat", type=int, default=3)
    parser.add_argument("--load-repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20, help="/sparql timed rounds")
    parser.add_argument("--warmup", type=int, default=3, help="/sparql untimed rounds")
    parser.add_argument("--rounds-2m", type=int, default=4, help="/sparql rounds at 2m")
    parser.add_argument("--page-rounds", type=int, default=5)
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    wanted = args.sizes.split(",")
    if any(w not in (*SIZES, "2m") for w in wanted):
        parser.error("--sizes: a comma-separated list of 1, 18, 180, 2m")

    from minami_kg.config import Settings

    base = Settings().base
    info = sb.machine()
    work = args.work or Path(tempfile.mkdtemp(prefix="minami-kg-scale-"))
    corpus.refuse_data_folder(work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}", flush=True)
    seed = build_seed(work, args.build_repeat)
    done: list[Size] = []
    nq180: Path | None = None
    for name in wanted:
        size = Size(name)
        if name == "2m":
            if nq180 is None:
                _, nq180 = build_corpus(Size("180"), work, 1, args.seed)
            nq = work / "2m.nq"
            size.quads = two_million(nq180, nq, TWO_MILLION)
            size.plans = plan_count(nq)
        else:
            _, nq = build_corpus(size, work, args.build_repeat, args.seed)
            size.quads = sum(1 for _ in nq.open(encoding="utf-8"))
            if name == "180":
                nq180 = nq
        print(f"{name}: {size.quads:,} quads", flush=True)
        ours, oxi = load_both(size, nq, work, args.load_repeat)
        if name == "2m":
            _, _, out = timed_child(
                [sys.executable, "-c", INDEX, str(ours), base, str(ours.parent / "search.sqlite")]
            )
            size.index_s = float(out.strip())
        else:
            shutil.copy(work / f"build-{name}" / "search.sqlite", ours.parent / "search.sqlite")
        serve_and_measure(size, ours, oxi, work, args, base)
        done.append(size)
        (work / "results.json").write_text(
            json.dumps([s.__dict__ | {"latency": s.latency.samples} for s in done], default=str)
        )
    text = report(done, seed, args, info)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
