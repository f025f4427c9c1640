"""The guides: generated parts current, every setting and canned query documented, pages served.

The generated regions of docs/analysts.md, docs/operators.md and README.md are
written again from the seed store and compared with the files: a new setting, a
new canned query or a change in the data fails here until `minami-kg docs` is run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minami_kg import docs
from minami_kg.cli import main
from minami_kg.config import PROJECT_ROOT, SETTINGS, Settings
from minami_kg.queries import canned_queries
from minami_kg.server import create_app
from minami_kg.server.docs_pages import render_markdown
from minami_kg.store import EmbeddedStore

DOCS = PROJECT_ROOT / "docs"
README = PROJECT_ROOT / "README.md"
OUR_GUIDES = ("staff-guide.ja", "analysts", "portal", "operators")
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- generated parts ------------------------------------------------------------------------


def test_generated_parts_are_what_the_generator_writes_now(
    seed_settings: Settings, seed_store: EmbeddedStore
) -> None:
    for path, text in docs.generate(seed_settings, seed_store).items():
        assert read(path) == text, f"{path.name} is out of date: run `minami-kg docs`"


def test_every_setting_is_in_the_operator_guide_and_the_readme() -> None:
    """Checked against `config.SETTINGS` directly, not through the generator."""
    for path in (DOCS / "operators.md", README):
        text = read(path)
        missing = [env for env, _, _ in SETTINGS if f"| `{env}` |" not in text]
        assert not missing, f"{path.name} does not document {missing}"


def test_every_canned_query_is_explained_with_its_result_in_the_cookbook(
    seed_settings: Settings,
) -> None:
    text = read(DOCS / "analysts.md")
    queries = canned_queries(seed_settings.queries)
    assert len(queries) == len(list(seed_settings.queries.glob("*.rq"))) >= 18
    for query in queries:
        heading = f"### {query.title_en} — {query.title}"
        assert heading.replace("|", "\\|") in text or heading in text, query.name
        section = text.split(f"`{query.name}` · [page]", 1)[1].split("\n### ", 1)[0]
        assert f"`minami-kg query {query.name}`" in section
        assert "```sparql\n" in section and "Result with the defaults:" in section
        assert re.search(r"\n(\d+ rows?|\(no rows\)) ?", section), query.name


def test_the_generator_reruns_worked_examples_and_rejects_unknown_regions(
    seed_settings: Settings, seed_store: EmbeddedStore
) -> None:
    text = (
        "before\n<!-- begin example: count -->\n```sparql\n"
        "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"
        "SELECT (COUNT(*) AS ?measures) WHERE { ?m a mkg:Measure }\n```\n"
        "| stale | table |\n<!-- end example: count -->\nafter\n"
    )
    out = docs.render(text, seed_settings, seed_store)
    assert "| measures |\n| --- |\n| 36 |\n\n1 row on the seed.\n" in out
    assert "stale" not in out and out.startswith("before\n") and out.endswith("after\n")
    with pytest.raises(docs.DocsError, match="unknown generated region"):
        docs.render(
            "<!-- begin generated: nothing -->\n<!-- end generated: nothing -->",
            seed_settings,
            seed_store,
        )


def test_docs_check_command(runner: CliRunner, seed_settings: Settings, seed_build: object) -> None:
    result = runner.invoke(main, ["docs", "--check", "--store", str(seed_settings.store)])
    assert result.exit_code == 0, result.output


# --- the images -----------------------------------------------------------------------------


def test_every_image_the_guides_and_readme_show_exists_and_is_small() -> None:
    shown = 0
    for path in [*DOCS.glob("*.md"), README]:
        for target in IMAGE_LINK.findall(read(path)):
            image = (path.parent / target).resolve()
            assert image.is_file(), f"{path.name} shows {target}, which does not exist"
            assert image.is_relative_to(DOCS / "images"), target
            assert image.stat().st_size < 200_000, f"{target} is over 200 KB"
            shown += 1
    assert shown >= 8


def test_the_staff_guide_shows_the_screenshots_of_each_page() -> None:
    text = read(DOCS / "staff-guide.ja.md")
    for name in ("search", "graph", "matrix", "compare", "contribution", "plans", "diff"):
        assert f"(images/{name}.png)" in text, name


# --- the pages ------------------------------------------------------------------------------


class Links(HTMLParser):
    """The hrefs, image sources, ids and title of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "img" and values.get("src"):
            self.images.append(str(values["src"]))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def test_the_index_lists_every_guide(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    for name in OUR_GUIDES:
        assert f"/docs/{name}" in page.hrefs
    assert "/ontology" in page.hrefs
    listed = client.get("/docs?format=json").get_json()["docs"]
    assert [d["name"] for d in listed][:4] == list(OUR_GUIDES)
    assert all(d["url"].startswith("http://localhost/docs/") for d in listed)


@pytest.mark.parametrize("name", OUR_GUIDES)
def test_each_guide_renders_in_the_site_frame_and_its_links_work(
    client: FlaskClient, name: str
) -> None:
    response = client.get(f"/docs/{name}")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    page = parse(html)
    title = read(DOCS / f"{name}.md").splitlines()[0].removeprefix("# ")
    assert page.title.startswith(title)
    assert 'href="/help"' in html  # the site's navigation is there
    assert "&lt;!--" not in html  # the generated regions' comments are not shown
    checked = set()
    for href in page.hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        if not parts.path:  # an anchor in this page
            assert unquote(parts.fragment) in page.ids, f"{name}: no anchor {href}"
            continue
        if parts.path in checked:
            continue
        checked.add(parts.path)
        target = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if target.status_code in (301, 302, 303):
            target = client.get(target.headers["Location"])
        assert target.status_code == 200, f"{name}: {href} answers {target.status_code}"
    for src in page.images:
        image = client.get(src)
        assert image.status_code == 200, src
        assert image.content_type.startswith(("image/png", "image/svg+xml")), src


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.md")), ids=lambda p: p.stem)
def test_every_guide_in_docs_is_a_page(client: FlaskClient, path: Path) -> None:
    response = client.get(f"/docs/{path.stem}")
    assert response.status_code == 200
    assert f"docs/{path.name}" in response.get_data(as_text=True)


def test_the_served_cookbook_and_operator_guide_list_every_query_and_setting(
    client: FlaskClient, seed_settings: Settings
) -> None:
    cookbook = parse(client.get("/docs/analysts").get_data(as_text=True))
    for query in canned_queries(seed_settings.queries):
        assert docs.anchor(query) in cookbook.ids, query.name
        assert f"/queries/{query.name}" in cookbook.hrefs
    operators = client.get("/docs/operators").get_data(as_text=True)
    for env, _, _ in SETTINGS:
        assert f"<code>{env}</code>" in operators, env


def test_help_opens_the_staff_guide(client: FlaskClient) -> None:
    response = client.get("/help", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/docs/staff-guide.ja"
    assert "職員向けガイド" in parse(response.get_data(as_text=True)).title
    english = client.get("/help?lang=en")
    assert english.headers["Location"] == "/docs/staff-guide.ja?lang=en"


def test_redirects_carry_any_query_string_without_a_500(client: FlaskClient) -> None:
    """A parameter that shares a name with url_for's own arguments is only carried along."""
    for path, location in [
        ("/docs/portal.md?name=x&_scheme=javascript", "/docs/portal?name=x&_scheme=javascript"),
        ("/help?name=x&_external=1", "/docs/staff-guide.ja?name=x&_external=1"),
    ]:
        response = client.get(path)
        assert response.status_code in (301, 302), path
        assert response.headers["Location"] == location


def test_a_guide_as_json_and_its_cache_validators(client: FlaskClient) -> None:
    response = client.get("/docs/portal", headers={"Accept": "application/json"})
    data = response.get_json()
    assert data["name"] == "portal" and data["source"] == "docs/portal.md"
    assert data["markdown"] == read(DOCS / "portal.md")
    assert "<h1" in data["html"]
    page = client.get("/docs/portal")
    assert page.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/docs/portal", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304


def test_bad_names_and_paths_are_404(client: FlaskClient) -> None:
    assert client.get("/docs/analysts.md").headers["Location"] == "/docs/analysts"
    for path in (
        "/docs/nothing",
        "/docs/..%2fREADME",
        "/docs/.hidden",
        "/docs/images/../operators.md",
        "/docs/images/%2e%2e/%2e%2e/pyproject.toml",
        "/docs/images/model.txt",
        "/docs/images/nothing.png",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/docs/nothing?format=json").get_json()["error"]


def test_markdown_is_rendered_without_raw_html_or_script_links() -> None:
    html = render_markdown(
        "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=y>\n"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<img" not in html


def test_links_between_guides_and_images_point_into_docs(app: Flask) -> None:
    with app.test_request_context("/docs/analysts"):
        html = render_markdown("## Ａ b\n\n[p](portal.md#the-dumps) ![m](images/model.svg)\n")
    assert 'href="/docs/portal#the-dumps"' in html
    assert 'src="/docs/images/model.svg"' in html
    assert '<h2 id="ａ-b">' in html


# --- behind a reverse proxy -----------------------------------------------------------------


def test_forwarded_headers_are_believed_only_with_proxy_hops(
    seed_settings: Settings, seed_build: object
) -> None:
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "kg.example.org",
        "X-Forwarded-For": "203.0.113.7",
    }
    direct = create_app(seed_settings).test_client()
    url = direct.get("/docs?format=json", headers=forwarded).get_json()["docs"][0]["url"]
    assert url.startswith("http://localhost/")

    proxied_app = create_app(seed_settings.with_changes(proxy_hops=1))
    seen: list[str | None] = []

    @proxied_app.before_request
    def remember_client() -> None:
        from flask import request

        seen.append(request.remote_addr)

    proxied = proxied_app.test_client()
    url = proxied.get("/docs?format=json", headers=forwarded).get_json()["docs"][0]["url"]
    assert url.startswith("https://kg.example.org/docs/")
    assert seen == ["203.0.113.7"]


def test_proxy_hops_is_read_from_the_environment() -> None:
    assert Settings.from_env({"MINAMI_KG_PROXY_HOPS": "2"}).proxy_hops == 2
    assert Settings.from_env({}).proxy_hops == 0
