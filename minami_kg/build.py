"""The build: documents → plans → quads → a new store generation.

Every document is read and parsed before anything is written, so one bad
document stops the build with a `BuildError` and the existing store stays as
it was. The quads are written as sorted N-Quads and bulk-loaded aside, then
swapped in (see `minami_kg.store.embedded`); the search index is written
from the new store last, so it always describes the store beside it.

The graph carries its build identifier, a digest of all its other quads
(`minami_kg.store.build_id`): two builds of the same sources write the same
bytes, and an app instance anywhere sees that the store changed by reading it.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, serialize

from minami_kg.config import Settings
from minami_kg.curation import Curation, load_curation
from minami_kg.extract import Hints, PlanError, Reading, read_reading
from minami_kg.extract.model import Plan
from minami_kg.link import link_plan
from minami_kg.publish import publish_dumps
from minami_kg.rdf.decision_graph import decision_quads, label_review_quads
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.link_graph import curated_quads, links_quads, topic_scheme_quads
from minami_kg.rdf.ontology import ontology_quads
from minami_kg.rdf.plan_graph import DocumentInfo, org_quads, plan_quads
from minami_kg.rdf.slugs import slugify
from minami_kg.search import build_index
from minami_kg.sources import SourceDocument, discover
from minami_kg.store import StoreError, open_store
from minami_kg.store.build_id import with_build_id

ONTOLOGY_FILE = "minami-kg.ttl"


class BuildError(ValueError):
    """A build that cannot go on; `str()` is one line naming the problem."""


@dataclass(frozen=True)
class BuiltPlan:
    document: DocumentInfo
    plan: Plan
    reading: Reading


@dataclass(frozen=True)
class BuildResult:
    plans: tuple[BuiltPlan, ...]
    quad_count: int
    seconds: float


@dataclass(frozen=True)
class ReadOptions:
    """What the command line says of the documents: it wins over their manifests."""

    encoding: str | None = None
    ward_name: str | None = None  # --ward, for a title that names no ward
    fiscal_year: int | None = None  # --fiscal-year, for a title without one
    strict: bool = False  # --strict: a reading warning stops the build


def read_source(
    source: SourceDocument, curation: Curation, options: ReadOptions | None = None
) -> BuiltPlan:
    """Read one plan's files and settle which ward and year it is."""
    options = options or ReadOptions()
    encoding = options.encoding or source.encoding
    hints = Hints(
        ward_name=options.ward_name or source.ward_name,
        fiscal_year=options.fiscal_year or source.fiscal_year,
        city_name=source.city_name,
    )
    reading = read_reading(list(source.paths), hints=hints, encoding=encoding)
    plan = reading.plan
    if source.fiscal_year is not None and source.fiscal_year != plan.fiscal_year:
        raise BuildError(
            f"{source.path}:{reading.document.origin(plan.source.first_line).line}: the title "
            f"says fiscal year {plan.fiscal_year} but the manifest says {source.fiscal_year}"
        )
    if options.strict and reading.warnings:
        first = reading.warnings[0]
        raise BuildError(
            f"{first.where}: {first.message} ({len(reading.warnings)} warnings; --strict)"
        )
    ward_name = source.ward_name or plan.ward_name
    curated = curation.ward(ward_name)
    ward = source.ward or (curated.slug if curated else slugify(ward_name.removesuffix("区")))
    data = b"".join(path.read_bytes() for path in source.paths)
    document = DocumentInfo(
        ward=ward,
        ward_name=ward_name,
        fiscal_year=plan.fiscal_year,
        file_names=tuple(path.name for path in source.paths),
        media_types=reading.document.media_types,
        sha256=hashlib.sha256(data).hexdigest(),
        line_count=len(reading.document.lines),
        encoding=encoding,
        city_name=source.city_name or plan.city_name,
        publisher=source.publisher,
        source_url=source.source_url,
        licence=source.licence,
        issued=source.issued,
        title=source.title,
        code=source.code,
    )
    return BuiltPlan(document=document, plan=plan, reading=reading)


def read_sources(
    root: Path, curation: Curation, options: ReadOptions | None = None
) -> list[BuiltPlan]:
    """Every plan under `root`, read; one plan per ward and year."""
    built: list[BuiltPlan] = []
    seen: dict[tuple[str, int], Path] = {}
    for source in discover(root):
        item = read_source(source, curation, options)
        key = (item.document.ward, item.document.fiscal_year)
        if key in seen:
            raise BuildError(
                f"{source.path}: a second plan for {item.document.ward_name} "
                f"{item.document.fiscal_year} (the first is {seen[key]})"
            )
        seen[key] = source.path
        built.append(item)
    return built


def graph_quads(plans: list[BuiltPlan], settings: Settings, curation: Curation) -> list[Quad]:
    """All quads of the graph, deduplicated and sorted, with the build identifier of the rest."""
    iris = Iris(settings.base)
    quads: set[Quad] = set(ontology_quads(settings.ontology / ONTOLOGY_FILE, iris.ontology_graph()))
    quads.update(topic_scheme_quads(curation, iris))
    quads.update(curated_quads(curation, iris))
    quads.update(label_review_quads(curation, iris))  # who set an English label, and why
    for item in plans:
        doc, plan = item.document, item.plan
        links = link_plan(plan, curation, ward=doc.ward, fiscal_year=doc.fiscal_year)
        quads.update(org_quads(doc, plan, curation, iris))
        quads.update(plan_quads(doc, plan, curation, iris))
        quads.update(links_quads(doc, plan, links, curation, iris))
        quads.update(decision_quads(doc, plan, curation, iris))  # who decided a link, and why
    return with_build_id(quads, settings.base)


def build(
    settings: Settings,
    source: Path | None = None,
    *,
    encoding: str | None = None,
    options: ReadOptions | None = None,
) -> BuildResult:
    """Build the store from `source` (default: every document under settings.sources)."""
    started = time.perf_counter()
    curation = load_curation(settings.curation)
    options = options or ReadOptions(encoding=encoding)
    try:
        plans = read_sources(source or settings.sources, curation, options)
    except PlanError as err:
        raise BuildError(str(err)) from None
    quads = graph_quads(plans, settings, curation)

    settings.store.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=settings.store.parent, prefix=".build-", suffix=".nq", delete=False
    ) as out:
        staging = Path(out.name)
    try:
        try:
            serialize(quads, output=str(staging), format=RdfFormat.N_QUADS)
        except OSError as err:  # e.g. a full disk; the store is not touched yet
            raise StoreError(f"{staging}: could not write the new graph: {err}") from None
        open_store(settings).replace(staging)
    finally:
        staging.unlink(missing_ok=True)
    # The dumps (pyoxigraph and zlib, which release the GIL) are written while the search
    # index (Python) is: one after the other they were two thirds of a build's time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        dumps = pool.submit(publish_dumps, settings)
        build_index(open_store(settings), settings.base, settings.search_index_path)
        dumps.result()
    return BuildResult(
        plans=tuple(plans), quad_count=len(quads), seconds=time.perf_counter() - started
    )
