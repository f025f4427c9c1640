"""The read models of the matrix, the graph explorer and the diff: Flask-free, and called
directly on a real store (no app, no request)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from minami_kg.build import BuildResult
from minami_kg.config import Settings
from minami_kg.publish.attribution import Attribution
from minami_kg.readmodels import diff as diff_model
from minami_kg.readmodels import graph as graph_model
from minami_kg.readmodels import matrix as matrix_model
from minami_kg.readmodels import matrix_files, matrix_json, refusals
from minami_kg.store import GraphStore, open_store

CREDIT = Attribution("https://creativecommons.org/licenses/by/4.0/", "minami-kg")

MODELS = [matrix_model, matrix_json, matrix_files, graph_model, diff_model]
WEB = ("flask", "werkzeug")
ID = "http://127.0.0.1:8000/id/"
SOMU = "minami/section/somu"
GENSAI_01 = "minami/2022/measure/gensai-01"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of its syntax tree."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", MODELS, ids=lambda m: m.__name__)
def test_a_read_model_imports_neither_flask_nor_werkzeug(module: object) -> None:
    path = Path(str(getattr(module, "__file__", "")))
    web = {m for m in _imports(path) if m.split(".")[0] in WEB}
    assert web == set(), f"{path.name} imports {web}"
    # nor does it pick labels by the request's language
    assert "minami_kg.server.i18n" not in _imports(path)


@pytest.fixture(scope="module")
def store(seed_settings: Settings, seed_build: BuildResult) -> GraphStore:
    return open_store(seed_settings)


@pytest.fixture(scope="module")
def base(seed_settings: Settings) -> str:
    return seed_settings.base


def test_the_matrix_read_directly(store: GraphStore, base: str) -> None:
    table = matrix_model.read_matrix(store, base, {}, "ja")
    assert table.outline.plan.key == "minami/2022"
    assert table.areas[0][0].slug == "gensai"
    somu = table.outline.section_by_key(SOMU)
    gensai = table.outline.measure_by_key(GENSAI_01)
    assert somu is not None and gensai is not None
    assert (somu.label_ja, somu.label_en) == ("総務課", "General Affairs Section")
    link = table.cell(somu, gensai)
    assert link is not None and link.accepted
    # the same table in English sorts by its English names
    names = [
        s.label_en
        for s in matrix_model.read_matrix(store, base, {"sort_sections": "name"}, "en").sections
    ]
    assert names == sorted(names)


def test_the_matrix_models_raise_their_own_errors(store: GraphStore, base: str) -> None:
    with pytest.raises(refusals.Malformed, match="min_score"):
        matrix_model.read_matrix(store, base, {"min_score": "x"}, "ja")
    with pytest.raises(refusals.Unknown, match="minami/1999"):
        matrix_model.read_matrix(store, base, {"plan": "minami/1999"}, "ja")
    assert issubclass(refusals.Malformed, ValueError)
    assert issubclass(refusals.Unknown, LookupError)


def test_a_cell_and_the_files_read_directly(store: GraphStore, base: str) -> None:
    args = {"plan": "minami/2022", "section": SOMU, "measure": GENSAI_01}
    cell = matrix_json.read_cell(store, base, args, "en")
    assert cell["section"]["label"] == "General Affairs Section"
    assert cell["section"]["href"] == f"/page/{SOMU}"
    assert cell["links"][0]["statusLabel"] == "accepted" and cell["links"][0]["evidence"]
    csv = matrix_files.matrix_csv(store, base, {}, "ja")
    assert csv.filename == "課×取組-minami-2022.csv" and csv.data.startswith(b"\xef\xbb\xbf")
    xlsx = matrix_files.matrix_xlsx(store, base, {"show": "accepted"}, "en", CREDIT)
    assert xlsx.filename == "matrix-minami-2022.xlsx" and xlsx.data[:2] == b"PK"


def test_the_graph_read_directly(store: GraphStore, base: str) -> None:
    data = graph_model.neighbourhood(store, base, ID + SOMU, "en", limit=5)
    assert data["focus"] == ID + SOMU and data["neighbours"]["shown"] == 5
    focus = data["elements"]["nodes"][0]["data"]
    assert focus["label"] == "General Affairs Section" and focus["href"] == f"/page/{SOMU}"
    sections = graph_model.sections_json(store, base, {}, "ja")
    assert sections["plan"]["key"] == "minami/2022" and sections["elements"]["edges"]
    with pytest.raises(refusals.Malformed):
        graph_model.known_iri(store, base, "not an iri", "iri")
    with pytest.raises(refusals.Unknown):
        graph_model.known_iri(store, base, ID + "nothing", "iri")
    page = graph_model.explorer(store, base, {"focus": ID + "nothing"}, "ja")
    assert (page.status, page.focus, page.view) == (404, None, "sections")


def test_the_diff_links_its_things_to_their_pages(base: str) -> None:
    href = diff_model.page_of(base)
    assert href(ID + SOMU) == f"/page/{SOMU}"
    assert href("https://example.org/x") == "https://example.org/x"
