"""The open-data face: the dataset description, the dumps and the sitemap.

- `/dataset` and `/.well-known/void` (VoID §7.2, https://www.w3.org/TR/void/#well-known):
  the DCAT catalogue and VoID description (`minami_kg.publish.description`), in every
  RDF format by content negotiation or `?format=` (the names of `minami-kg export`),
  and as HTML for a browser or `?format=html`. Nothing acceptable: 406.
- `/download/<file>`: the dumps the build wrote, only those the manifest lists, each
  with its own media type (the `.gz` files are `application/gzip` downloads, never a
  `Content-Encoding`), a strong ETag (its SHA-256) and Content-Length.
- `/sitemap.xml` (https://www.sitemaps.org/protocol.html): the `/page/…` of every IRI
  under `{base}id/` the data mentions; `/robots.txt` points at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from pyoxigraph import Literal, NamedNode, Quad, serialize

from minami_kg.publish import (
    DESCRIPTION_PREFIXES,
    DumpManifest,
    description_quads,
    read_manifest,
)
from minami_kg.readmodels.urls import Urls, page_url
from minami_kg.results.formats import (
    GRAPH,
    GRAPH_FORMATS,
    choose,
    describe,
    parse_accept,
    prefers_html,
)
from minami_kg.server.credits import current_attribution
from minami_kg.server.follower import current_version
from minami_kg.server.http import HttpError, alternates
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import select

dataset = Blueprint("dataset", __name__)

DESCRIPTION_KEY = "minami_kg.description"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
DOWNLOAD_MAX_AGE = 3600

_IDS = """
SELECT DISTINCT ?x WHERE {
  { ?x ?p ?o } UNION { ?s ?p ?x }
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), $space))
} ORDER BY ?x
"""


def _manifest() -> DumpManifest | None:
    return read_manifest(get_settings().dumps_dir)


def current_description() -> list[Quad]:
    """The description quads, computed once per store version and dump manifest."""
    settings, store = get_settings(), get_store()
    manifest = _manifest()
    version = current_version(store)
    key = (version.tag if version else None, manifest)
    cached = current_app.extensions.get(DESCRIPTION_KEY)
    if version is not None and cached and cached[0] == key:
        return cached[1]
    quads = description_quads(
        store, settings, manifest, modified=version.modified if version else None
    )
    current_app.extensions[DESCRIPTION_KEY] = (key, quads)
    return quads


# ---------------------------------------------------------------- the description


@dataset.get("/dataset")
@dataset.get("/.well-known/void", endpoint="void")
def description() -> ResponseReturnValue:
    names = tuple(request.args.getlist("format"))
    ranges = parse_accept(request.headers.get("Accept"))
    if names == ("html",) or (not names and prefers_html(ranges)):
        response = Response(render_template("dataset.html", **_page_context()))
    else:
        fmt = choose(GRAPH, ranges, names)
        if fmt is None:
            available = f"{describe(GRAPH_FORMATS)}, HTML (format=html)"
            raise HttpError(406, f"Not acceptable. Available: {available}", {"Vary": "Accept"})
        rdf_format = fmt.rdf_format()
        quads = current_description()
        data = quads if rdf_format.supports_datasets else [q.triple for q in quads]
        body = serialize(data, format=rdf_format, prefixes=DESCRIPTION_PREFIXES)
        response = Response(body, content_type=fmt.media_type)
    response.vary.add("Accept")
    return alternates(response, [(f"?format={f.name}", f.media_type) for f in GRAPH_FORMATS])


@dataclass(frozen=True)
class DistributionRow:
    name: str
    url: str
    media_type: str
    gzip: bool
    byte_size: int
    sha256: str


def _page_context() -> dict[str, object]:
    """What the HTML page shows, read back from the description quads."""
    quads = current_description()
    by_subject: dict[str, dict[str, list[tuple[object, str | None]]]] = {}
    for q in quads:
        value = q.object.value if isinstance(q.object, NamedNode | Literal) else q.object
        by_subject.setdefault(str(q.subject), {}).setdefault(q.predicate.value, []).append(
            (value, getattr(q.object, "language", None))
        )
    settings = get_settings()
    manifest = _manifest()

    def first(subject: object, predicate: str, language: str | None = None) -> object:
        for value, lang in by_subject.get(f"<{subject}>", {}).get(predicate, []):
            if language is None or lang == language:
                return value
        return None

    dcat, dct, void = (
        "http://www.w3.org/ns/dcat#",
        "http://purl.org/dc/terms/",
        "http://rdfs.org/ns/void#",
    )
    catalog = f"{settings.base}dataset#catalog"
    datasets = []
    for iri, _ in by_subject.get(f"<{catalog}>", {}).get(dcat + "dataset", []):
        datasets.append(
            {
                "iri": iri,
                "title": first(iri, dct + "title", "ja"),
                "title_en": first(iri, dct + "title", "en"),
                "description": first(iri, dct + "description", "ja"),
                "triples": first(iri, void + "triples"),
                "entities": first(iri, void + "entities"),
            }
        )
    rows = [
        DistributionRow(f.name, f"/download/{f.name}", f.media_type, f.gzip, f.byte_size, f.sha256)
        for f in (manifest.files if manifest else ())
    ]
    return {
        "title": first(catalog, dct + "title", "ja"),
        "title_en": first(catalog, dct + "title", "en"),
        "description": first(catalog, dct + "description", "ja"),
        "description_en": first(catalog, dct + "description", "en"),
        "publisher": settings.publisher,
        "licence": settings.licence,
        "credit": current_attribution(),
        "datasets": datasets,
        "distributions": rows,
        "readme": f"/download/{manifest.readme}" if manifest and manifest.readme else None,
        "sparql": f"{settings.base}sparql",
        "formats": GRAPH_FORMATS,
    }


# ---------------------------------------------------------------- downloads


@dataset.get("/download/<path:name>")
def download(name: str) -> ResponseReturnValue:
    """A dump by its name in the manifest, or its README; any other name, `..` included,
    is 404."""
    manifest = _manifest()
    if manifest and manifest.readme and name == manifest.readme:
        readme = get_settings().dumps_dir / manifest.readme
        if not readme.is_file():
            abort(404)
        return send_file(readme, mimetype="text/markdown; charset=utf-8", max_age=DOWNLOAD_MAX_AGE)
    dump = manifest.get(name) if manifest else None
    if dump is None:
        abort(404)
    path = get_settings().dumps_dir / dump.name
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=dump.served_media_type,
        as_attachment=True,
        download_name=dump.name,
        etag=dump.sha256,
        conditional=True,
        max_age=DOWNLOAD_MAX_AGE,
    )
    response.cache_control.public = True
    return response


@dataset.get("/download/")
@dataset.get("/download")
def downloads() -> ResponseReturnValue:
    manifest = _manifest()
    return {
        "files": [
            {
                "name": f.name,
                "url": f"{get_settings().base}download/{f.name}",
                "mediaType": f.served_media_type,
                "contentMediaType": f.media_type,
                "byteSize": f.byte_size,
                "sha256": f.sha256,
            }
            for f in (manifest.files if manifest else ())
        ],
        "readme": (
            f"{get_settings().base}download/{manifest.readme}"
            if manifest and manifest.readme
            else None
        ),
    }


# ---------------------------------------------------------------- sitemap and robots


def page_urls() -> list[str]:
    """`{base}page/…` for every `{base}id/…` IRI the data mentions, sorted."""
    base = get_settings().base
    urls = Urls(base)
    rows = select(get_store(), _IDS.replace("$space", str(Literal(urls.id_base))))
    return sorted({base + page_url(urls.key(row["x"].value) or "").lstrip("/") for row in rows})


@dataset.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """One sitemap, or an index of parts (`?part=N`) past 50,000 URLs."""
    urls = page_urls()
    base = get_settings().base
    version = current_version(get_store())
    lastmod = f"<lastmod>{version.modified.date().isoformat()}</lastmod>" if version else ""
    parts = max(1, -(-len(urls) // SITEMAP_LIMIT))
    part = request.args.get("part", type=int)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if part is None and parts > 1:
        lines.append(f"<sitemapindex {ns}>")
        for number in range(1, parts + 1):
            loc = escape(f"{base}sitemap.xml?part={number}")
            lines.append(f"<sitemap><loc>{loc}</loc>{lastmod}</sitemap>")
        lines.append("</sitemapindex>")
    else:
        number = part or 1
        if not 1 <= number <= parts:
            abort(404)
        chunk = urls[(number - 1) * SITEMAP_LIMIT : number * SITEMAP_LIMIT]
        lines.append(f"<urlset {ns}>")
        lines.extend(f"<url><loc>{escape(url)}</loc>{lastmod}</url>" for url in chunk)
        lines.append("</urlset>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


@dataset.get("/robots.txt")
def robots() -> ResponseReturnValue:
    """Crawl the pages; leave ad-hoc SPARQL to people; the sitemap lists every page."""
    base = get_settings().base
    body = f"User-agent: *\nDisallow: /sparql\nDisallow: /api/\n\nSitemap: {base}sitemap.xml\n"
    return Response(body, mimetype="text/plain")
