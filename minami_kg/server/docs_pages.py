"""The guides of `docs/` as pages of the site: `/docs`, `/docs/<name>`, `/help`.

The Markdown files stay the single source: GitHub shows them as they are, and
this blueprint renders the same files in the site's frame. Links between
guides (`portal.md#…`) become `/docs/portal#…` and images (`images/x.png`)
come from `/docs/images/`, so one file reads right in both places.

Rendering is markdown-it-py's `js-default` preset (CommonMark and tables) with
raw HTML switched off: a `<tag>` in a guide is shown as text, never run, and
links to `javascript:` and the like are left as text by markdown-it's own
link check. Headings get ids (as GitHub gives them) so anchors work.

Every page has a JSON twin (`?format=json` or `Accept: application/json`).
The pages come from files, not the store, so their ETag is the hash of the
body rather than the store version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from markdown_it import MarkdownIt
from markdown_it.token import Token

from minami_kg.docs import DOCS, heading_id, without_markers
from minami_kg.server.http import HttpError, wants_json

docs_pages = Blueprint("docs", __name__)

IMAGES = DOCS / "images"
HELP = "staff-guide.ja"
ORDER = ("staff-guide.ja", "analysts", "portal", "operators", "security", "performance")
"""The guides in the order the index lists them; any other guide in docs/ follows."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_IMAGE_SUFFIXES = (".png", ".svg")
_MAX_AGE = 60


@dataclass(frozen=True)
class Guide:
    name: str  # the file name without .md
    title: str  # its first heading
    path: Path


def guides() -> list[Guide]:
    """Every guide in docs/, the known ones first."""
    names = sorted(p.stem for p in DOCS.glob("*.md"))
    ordered = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    return [guide for name in ordered if (guide := find_guide(name))]


def find_guide(name: str) -> Guide | None:
    """The guide called `name` (`.md` allowed); names are [a-z0-9.-], so no path leaves docs/."""
    name = name.removesuffix(".md")
    if not _NAME.match(name) or ".." in name:
        return None
    path = DOCS / f"{name}.md"
    if not path.is_file():
        return None
    return Guide(name, _title(path.read_text(encoding="utf-8"), name), path)


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


# --- Markdown to HTML ---------------------------------------------------------------------


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("js-default", {"html": False, "linkify": False})


def render_markdown(text: str) -> str:
    """HTML for a guide: raw HTML escaped (the region comments of `minami-kg docs` dropped),
    heading ids, links and images pointed at /docs."""
    md = _markdown()
    tokens = md.parse(without_markers(text))
    _add_heading_ids(tokens)
    for token in tokens:
        for child in token.children or ():
            _retarget(child)
    return md.renderer.render(tokens, md.options, {})


def _add_heading_ids(tokens: list[Token]) -> None:
    seen: dict[str, int] = {}
    for opening, inline in pairwise(tokens):
        if opening.type != "heading_open":
            continue
        text = "".join(c.content for c in inline.children or () if c.type != "softbreak")
        slug = heading_id(text) or "section"
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        opening.attrSet("id", slug if count == 0 else f"{slug}-{count}")


def _retarget(token: Token) -> None:
    """`other.md#x` → `/docs/other#x`; `images/x.png` → `/docs/images/x.png`."""
    if token.type == "link_open":
        href = str(token.attrGet("href") or "")
        if ":" not in href and not href.startswith(("/", "#")):
            page, _, fragment = href.partition("#")
            if page.endswith(".md") and "/" not in page:
                target = url_for("docs.guide", name=page.removesuffix(".md"))
                token.attrSet("href", target + (f"#{fragment}" if fragment else ""))
    elif token.type == "image":
        src = str(token.attrGet("src") or "")
        if src.startswith("images/") and ".." not in src:
            token.attrSet("src", url_for("docs.image", filename=src.removeprefix("images/")))


@cache
def _rendered(path: Path, mtime_ns: int, script_root: str) -> str:
    """The HTML of a guide, kept while the file (and the app's URL prefix) is unchanged."""
    return render_markdown(path.read_text(encoding="utf-8"))


def guide_html(guide: Guide) -> str:
    return _rendered(guide.path, guide.path.stat().st_mtime_ns, request.script_root)


# --- the views ----------------------------------------------------------------------------


def _cached(response: Response) -> Response:
    """An ETag from the body (the caching hook then answers 304 to a matching request)."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32], weak=True)
    response.headers["Cache-Control"] = f"public, max-age={_MAX_AGE}"
    return response


def _to_guide(name: str) -> str:
    """A guide's address with the request's query string carried over as it came.

    The query is appended as text, never passed to `url_for` as arguments, where
    a parameter called `name` or `_scheme` would clash with its own.
    """
    query = request.query_string.decode("ascii", "replace")
    return url_for("docs.guide", name=name) + (f"?{query}" if query else "")


def _describe(guide: Guide) -> dict[str, str]:
    return {
        "name": guide.name,
        "title": guide.title,
        "url": url_for("docs.guide", name=guide.name, _external=True),
        "source": f"docs/{guide.name}.md",
    }


@docs_pages.get("/docs")
def index() -> ResponseReturnValue:
    """The list of guides; JSON with `?format=json`."""
    listed = guides()
    if wants_json():
        return _cached(jsonify(docs=[_describe(g) for g in listed]))
    return _cached(Response(render_template("docs_index.html", guides=listed)))


@docs_pages.get("/docs/<name>")
def guide(name: str) -> ResponseReturnValue:
    """One guide in the site's frame; JSON (title, HTML, Markdown) with `?format=json`."""
    found = find_guide(name)
    if found is None:
        raise HttpError(404, f"/docs/{name}: there is no such guide")
    if name != found.name:  # `/docs/portal.md` → `/docs/portal`
        return redirect(_to_guide(found.name), 301)
    html = guide_html(found)
    if wants_json():
        source = found.path.read_text(encoding="utf-8")
        return _cached(jsonify(**_describe(found), html=html, markdown=source))
    return _cached(Response(render_template("doc.html", guide=found, html=html, guides=guides())))


@docs_pages.get("/docs/images/<path:filename>")
def image(filename: str) -> ResponseReturnValue:
    """A picture of a guide; `send_from_directory` refuses paths that leave docs/images."""
    if not filename.endswith(_IMAGE_SUFFIXES):
        abort(404)
    return send_from_directory(IMAGES, filename, max_age=3600)


@docs_pages.get("/help")
def help_page() -> ResponseReturnValue:
    """The UI's help link: the staff guide."""
    return redirect(_to_guide(HELP))
