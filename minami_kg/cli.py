"""The `minami-kg` command: build, export, query, validate, stats, index, search, serve, users.

User mistakes and bad documents end with one line on stderr and a non-zero
exit (click's `ClickException`), never a traceback. Exit codes: 0 success,
1 a problem with the input or the store, 2 a usage error; `validate` exits 1
when the graph has SHACL violations.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples, RdfFormat, serialize

from minami_kg.build import BuildError, ReadOptions, build, read_source
from minami_kg.cli_users import users
from minami_kg.config import Settings, SettingsError
from minami_kg.curation import CurationError, load_curation
from minami_kg.extract import PlanError
from minami_kg.extract.report import outline, outline_text
from minami_kg.queries import QueryParameterError, find_query
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.sources import SourceError, discover
from minami_kg.stats import graph_stats
from minami_kg.store import EXPORT_FORMATS, EmbeddedStore, StoreError, open_store, serialized
from minami_kg.validate import validate_store

USER_ERRORS = (BuildError, PlanError, SourceError, CurationError, StoreError, SettingsError)


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--store` or `--endpoint`, and `--base`, on every command; all fall back to MINAMI_KG_*."""

    @click.option(
        "--store",
        type=click.Path(file_okay=False, path_type=Path),
        help="Store directory [env MINAMI_KG_STORE; default var/store].",
    )
    @click.option(
        "--endpoint",
        metavar="URL",
        help="SPARQL 1.1 query endpoint of a remote store, used instead of --store "
        "[env MINAMI_KG_ENDPOINT].",
    )
    @click.option(
        "--update-endpoint",
        metavar="URL",
        help="SPARQL 1.1 update endpoint of the remote store [env MINAMI_KG_UPDATE_ENDPOINT; "
        "default: the query endpoint].",
    )
    @click.option("--base", help="Base IRI [env MINAMI_KG_BASE; default http://127.0.0.1:8000/].")
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        store: Path | None,
        endpoint: str | None,
        update_endpoint: str | None,
        base: str | None,
        **kwargs: Any,
    ) -> Any:
        if store and endpoint:
            raise click.UsageError("give --store or --endpoint, not both")
        try:
            settings = Settings.from_env().with_changes(
                store=store, endpoint=endpoint, update_endpoint=update_endpoint, base=base
            )
        except SettingsError as err:  # a MINAMI_KG_* variable that does not fit its setting
            raise click.ClickException(str(err)) from None
        if store:  # an explicit store directory wins over MINAMI_KG_ENDPOINT
            settings = dataclasses.replace(settings, endpoint=None, update_endpoint=None)
        try:
            return command(settings, *args, **kwargs)
        except USER_ERRORS as err:
            raise click.ClickException(str(err)) from None
        except BrokenPipeError:
            sys.stderr.close()  # the reader (e.g. `| head`) has gone; nothing left to say
            sys.exit(0)
        except OSError as err:
            raise click.ClickException(f"{err.filename or ''}: {err.strerror or err}") from None

    return wrapper


@click.group()
@click.version_option(package_name="minami-kg")
def main() -> None:
    """A knowledge graph of a ward office's annual operating policy (区運営方針)."""


def read_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--encoding`, `--ward` and `--fiscal-year`: what a document does not say of itself."""

    @click.option("--encoding", help="Decode text documents with this encoding, not a guess.")
    @click.option(
        "--ward",
        "ward_name",
        metavar="NAME",
        help="The ward (e.g. 南区), for a document whose title does not name it.",
    )
    @click.option(
        "--fiscal-year",
        type=click.IntRange(1989, 2100),
        help="The fiscal year (e.g. 2024), for a document whose title has none.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any, encoding: str | None, ward_name: str | None, fiscal_year: int | None, **kw: Any
    ) -> Any:
        options = ReadOptions(encoding=encoding, ward_name=ward_name, fiscal_year=fiscal_year)
        return command(*args, options=options, **kw)

    return wrapper


@main.command("build")
@click.option(
    "--source",
    type=click.Path(exists=True, path_type=Path),
    help="A document, a plan's folder or a folder of plans [default: data/sources].",
)
@click.option("--strict", is_flag=True, help="Fail on any reading warning.")
@read_options
@store_options
def build_command(
    settings: Settings, source: Path | None, strict: bool, options: ReadOptions
) -> None:
    """Build (or rebuild, atomically) the store from source documents."""
    result = build(settings, source, options=dataclasses.replace(options, strict=strict))
    for item in result.plans:
        plan, reading = item.plan, item.reading
        click.echo(
            f"{item.document.ward}/{item.document.fiscal_year}: {plan.title} — "
            f"{len(plan.focus_areas)} focus areas, {len(plan.measures)} measures, "
            f"{len(plan.actions)} actions, {len(plan.sections)} sections; "
            f"{len(reading.warnings)} warnings"
        )
        for warning in reading.warnings:
            click.echo(f"warning: {warning}", err=True)
    target = settings.endpoint or settings.store
    click.echo(f"{result.quad_count} quads written to {target} in {result.seconds:.2f} s")


@main.command("read")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@read_options
def read_command(source: Path, fmt: str, options: ReadOptions) -> None:
    """Show how a document (or a plan's folder) is read; write nothing.

    The outline (ward, year, basic goal, areas with their measures and actions,
    sections) gives where each item was read, then every warning and the share
    of the document that found its place.
    """
    try:
        readings = [
            read_source(doc, load_curation(Settings.from_env().curation), options)
            for doc in discover(source)
        ]
    except (*USER_ERRORS, SettingsError) as err:
        raise click.ClickException(str(err)) from None
    if fmt == "json":
        data = [outline(item.reading) for item in readings]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
        return
    click.echo("\n\n".join(outline_text(item.reading) for item in readings))


@main.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="nq", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@store_options
def export_command(settings: Settings, fmt: str, output: Path | None) -> None:
    """Write the whole graph: named graphs in nq/trig/jsonld, their union in ttl/nt/rdfxml."""
    store = open_store(settings)
    rdf_format = EXPORT_FORMATS[fmt]
    data = store.sorted_nquads() if fmt == "nq" else store.dump(rdf_format, prefixes=PREFIXES)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command("query")
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value for a canned query's parameter; repeat for several.",
)
@click.option(
    "--queries",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of canned queries [env MINAMI_KG_QUERIES; default queries/].",
)
@store_options
def query_command(
    settings: Settings, query: str, fmt: str, params: tuple[str, ...], queries: Path | None
) -> None:
    """Run QUERY: SPARQL text, a .rq file, or the name of a canned query in queries/."""
    folder = queries or settings.queries
    canned = find_query(folder, query)
    values = dict(p.split("=", 1) for p in params if "=" in p)
    if len(values) != len(params):
        raise click.UsageError("--param takes NAME=VALUE")
    if canned:
        try:
            text = canned.bound(values, settings.base)
        except QueryParameterError as err:
            raise click.UsageError(str(err)) from None
    elif query.endswith(".rq") and Path(query).is_file():
        text = Path(query).read_text(encoding="utf-8")
    else:
        text = query
    try:
        results = open_store(settings).query(text)
    except SyntaxError as err:
        raise click.ClickException(f"bad query: {err}") from None
    _print_results(results, fmt)


def _print_results(results: Any, fmt: str) -> None:
    if isinstance(results, QueryBoolean):
        value = bool(results)
        click.echo(json.dumps({"boolean": value}) if fmt == "json" else str(value).lower())
        return
    if isinstance(results, QueryTriples):
        turtle = serialize(results, format=RdfFormat.TURTLE, prefixes=PREFIXES)
        sys.stdout.buffer.write(serialized(turtle))
        return
    assert isinstance(results, QuerySolutions)
    names = [v.value for v in results.variables]
    rows = [[_plain(solution[name]) for name in names] for solution in results]
    if fmt == "json":
        click.echo(
            json.dumps(
                [dict(zip(names, row, strict=True)) for row in rows], ensure_ascii=False, indent=2
            )
        )
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
    else:
        _print_table(names, rows)


def _plain(term: Any) -> str:
    return "" if term is None else term.value


def _print_table(names: list[str], rows: list[list[str]]) -> None:
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max([width(n)] + [width(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True))

    click.echo(line(names).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo(line(row).rstrip())
    click.echo(f"({len(rows)} rows)")


@main.command("validate")
@store_options
def validate_command(settings: Settings) -> None:
    """Check the graph against ontology/shapes.ttl (SHACL); exit 1 on violations."""
    store = open_store(settings)
    report = validate_store(
        store, settings.ontology / "shapes.ttl", settings.ontology / "minami-kg.ttl"
    )
    for finding in report.warnings:
        click.echo(f"warning: {finding.focus} {finding.path}: {finding.message}")
    for finding in report.violations:
        click.echo(f"violation: {finding.focus} {finding.path}: {finding.message}", err=True)
    click.echo(f"{len(report.violations)} violations, {len(report.warnings)} warnings")
    if report.violations:
        sys.exit(1)


@main.command("stats")
@store_options
def stats_command(settings: Settings) -> None:
    """Count plans, focus areas, measures, actions, sections … and quads."""
    stats = graph_stats(open_store(settings))
    rows = [
        *stats.counts.items(),
        ("quads", stats.quads),
        ("named graphs", len(stats.named_graphs)),
    ]
    label_width = max(len(label) for label, _ in rows)
    for label, count in rows:
        click.echo(f"{label:<{label_width}}  {count:>7}")
    if len(stats.per_plan) > 1:
        click.echo()
        for plan, counts in stats.per_plan.items():
            parts = ", ".join(f"{n} {label}" for label, n in counts.items())
            click.echo(f"{plan.removeprefix(settings.base)}: {parts}")


@main.command("index")
@store_options
def index_command(settings: Settings) -> None:
    """Rebuild the search index from the store (a build does this itself)."""
    from minami_kg.search import build_index

    path = settings.search_index_path
    count = build_index(open_store(settings), settings.base, path)
    click.echo(f"{count} resources indexed in {path}")


@main.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=10, show_default=True)
@click.option("--type", "kind", metavar="TYPE", help="Only this type: measure, section, topic …")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@store_options
def search_command(settings: Settings, text: str, limit: int, kind: str | None, fmt: str) -> None:
    """Search the graph's labels and text (Japanese or English), best first."""
    from minami_kg.search import Filters, IndexMissing, QueryError, SearchIndex, clean_query, search

    index = SearchIndex(settings.search_index_path)
    try:
        result = search(index, clean_query(text), filters=Filters(type=kind), limit=limit)
    except QueryError as err:
        raise click.UsageError(str(err)) from None
    except IndexMissing as err:
        raise click.ClickException(str(err)) from None
    finally:
        index.close()
    if fmt == "json":
        hits = [
            {
                "iri": h.iri,
                "label": h.label_ja,
                "label_en": h.label_en,
                "type": h.type,
                "snippet": str(h.snippet),
                "score": h.score,
            }
            for h in result.hits
        ]
        click.echo(
            json.dumps(
                {"query": result.query, "total": result.total, "results": hits},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _print_table(
        ["score", "type", "label", "iri"],
        [[f"{h.score:.2f}", h.type, h.label_ja, h.iri] for h in result.hits],
    )
    click.echo(f"{result.total} found" + (" (any of the words)" if result.relaxed else ""))


@main.command("analyze")
@click.option("--plan", "plan_path", help="Only this plan, e.g. minami/2022 [default: all].")
@click.option(
    "--export",
    "export_format",
    type=click.Choice(["graphml", "gexf"]),
    help="Write the section–measure network instead of printing the pairs.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@store_options
def analyze_command(
    settings: Settings, plan_path: str | None, export_format: str | None, output: Path | None
) -> None:
    """Which sections share measures, with the evidence for each side."""
    from minami_kg.analysis import centrality, communities, read_network, section_pairs
    from minami_kg.analysis.export import write_network

    plan = Iris(settings.base).id_base + plan_path.strip("/") if plan_path else None
    graph = read_network(open_store(settings), plan)
    if export_format:
        if output is None:
            raise click.UsageError("--export needs -o FILE")
        write_network(graph, output, export_format)
        click.echo(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges → {output}")
        return
    label = dict(graph.nodes(data="label"))
    for pair in section_pairs(graph):
        click.echo(f"{label[pair.a]} — {label[pair.b]}: {pair.weight} shared")
        for measure in pair.shared:
            click.echo(f"  {label[measure]} ({graph.nodes[measure]['area']})")
            for section in (pair.a, pair.b):
                edge = graph.edges[section, measure]
                click.echo(f"    {label[section]}: {edge['method']}, score {edge['score']:g}")
                for ev in edge["evidence"]:
                    click.echo(
                        f"      «{ev.basis}» section l.{ev.section_line} “{ev.section_quote}” "
                        f"↔ measure l.{ev.measure_line} “{ev.measure_quote}”"
                    )
    click.echo()
    click.echo("section centrality (degree, betweenness):")
    ranked = sorted(centrality(graph).items(), key=lambda kv: (-kv[1][1], kv[0]))
    for section, (degree, between) in ranked:
        click.echo(f"  {label[section]}: {degree:.3f}, {between:.3f}")
    click.echo("communities:")
    for number, members in enumerate(communities(graph), start=1):
        click.echo(f"  {number}: " + "、".join(label[m] for m in members))


@main.command("diff")
@click.argument("ward")
@click.argument("fy1", type=int)
@click.argument("fy2", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@store_options
def diff_command(settings: Settings, ward: str, fy1: int, fy2: int, fmt: str) -> None:
    """What changed in WARD's plan from FY1 to FY2: measures, areas, sections, goals."""
    from minami_kg.diff import DiffError, diff, text_report

    try:
        result = diff(open_store(settings), settings.base, ward, fy1, fy2)
    except DiffError as err:
        raise click.ClickException(str(err)) from None
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(text_report(result)))


@main.command("docs")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a guide is out of date.")
@store_options
def docs_command(settings: Settings, check: bool) -> None:
    """Rewrite the generated parts of the guides (settings, canned queries, worked examples)."""
    from minami_kg import docs

    store = open_store(settings)
    try:
        _write_docs(settings, store, check)
    except (docs.DocsError, SyntaxError) as err:
        raise click.ClickException(f"docs: {err}") from None


def _write_docs(settings: Settings, store: Any, check: bool) -> None:
    from minami_kg import docs

    if check:
        stale = docs.stale(settings, store)
        for path in stale:
            click.echo(f"{path}: out of date; run minami-kg docs", err=True)
        sys.exit(1 if stale else 0)
    for path, text in docs.generate(settings, store).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            click.echo(f"{path}: written")


def _check_store(settings: Settings) -> None:
    """A missing or damaged embedded store stops `serve` with one line, not with 503s later.

    A remote store is not checked: the app answers 503 while it is down and
    recovers when it is back.
    """
    if not settings.endpoint:
        len(EmbeddedStore(settings.store))  # raises StoreError with the reason


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=int, envvar="PORT", default=8000, show_default=True, help="Port [env PORT]."
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="requests answered at once [default: the query processes + 4, so that pages and "
    "/healthz have threads while every query process is busy].",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@store_options
def serve_command(settings: Settings, host: str, port: int, threads: int | None, dev: bool) -> None:
    """Serve the graph over HTTP (waitress; --dev for Flask's reloader)."""
    from minami_kg.server import create_app

    app = create_app(settings)
    _check_store(settings)
    if not dev:  # --dev: the reloader's child starts it with the first request
        from minami_kg.server.follower import get_follower

        get_follower(app).kick()  # build this instance's search index now if it has none
    click.echo(f"serving {settings.endpoint or settings.store} on http://{host}:{port}/")
    if dev:
        app.run(host=host, port=port, debug=True)
    else:
        from minami_kg.server.wsgi import serve

        serve(app, settings, host=host, port=port, threads=threads)


main.add_command(users)  # minami-kg users add|remove|list (minami_kg.cli_users)
