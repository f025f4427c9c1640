"""The read models stand without Flask, and no face reaches into another.

The models under `minami_kg/readmodels/` are plain functions of (store,
base, parameters): none imports Flask or werkzeug. A blueprint module reaches
what it shares through `state`, `http` and `urls`, never through another
blueprint or the package's `__init__`. And the models answer on a real store.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from minami_kg.config import Settings
from minami_kg.readmodels.plan_index import plan_index
from minami_kg.readmodels.plan_pages import PlanPages
from minami_kg.readmodels.refusals import Malformed, Unknown
from minami_kg.readmodels.resources import Reader
from minami_kg.readmodels.sources import plan_files, source_document, source_href
from minami_kg.store import GraphStore, open_store

SERVER = Path(__file__).resolve().parent.parent / "minami_kg" / "server"


def _blueprint_modules() -> tuple[str, ...]:
    """The modules (or packages) of `minami_kg/server/` that make a Blueprint, by name."""
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        if path == SERVER / "__init__.py" or "Blueprint(" not in path.read_text(encoding="utf-8"):
            continue
        relative = path.relative_to(SERVER).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found.append(".".join(parts))
    return tuple(found)


BLUEPRINTS = _blueprint_modules()


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (`from x import y` names x and x.y)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


READ_MODELS = sorted((SERVER.parent / "readmodels").glob("*.py"))


def test_the_read_models_are_found() -> None:
    assert len(READ_MODELS) > 10


@pytest.mark.parametrize("path", READ_MODELS, ids=lambda p: p.name)
def test_read_models_import_neither_flask_nor_the_server(path: Path) -> None:
    names = imported(path)
    web = {n for n in names if n.split(".")[0] in ("flask", "werkzeug")}
    web |= {n for n in names if n == "minami_kg.server" or n.startswith("minami_kg.server.")}
    assert not web, f"{path.name} imports {sorted(web)}"


def test_every_face_is_found() -> None:
    faces = {"ui", "pages", "linked_data", "sparql", "auth", "review_api", "review_pages"}
    assert faces <= set(BLUEPRINTS), sorted(BLUEPRINTS)


@pytest.mark.parametrize("name", BLUEPRINTS)
def test_a_blueprint_imports_no_other_blueprint(name: str) -> None:
    path = SERVER.joinpath(*name.split(".")).with_suffix(".py")
    names = imported(path if path.exists() else SERVER.joinpath(*name.split(".")) / "__init__.py")
    others = {f"minami_kg.server.{b}" for b in BLUEPRINTS if b != name}
    wrong = {n for n in names if n == "minami_kg.server" or n in others}
    wrong |= {n for n in names if n.rsplit(".", 1)[0] in others}
    assert not wrong, f"{name}.py imports {sorted(wrong)}"


@pytest.fixture(scope="module")
def store(seed_settings: Settings, seed_build: object) -> GraphStore:
    return open_store(seed_settings)


def test_plan_pages_on_the_seed_store(store: GraphStore, seed_settings: Settings) -> None:
    read = PlanPages(store, seed_settings.base)
    newest = read.plan(None)
    assert newest is not None and newest.key == read.plans[0].key
    plan = read.plan("minami/2022")
    assert plan is not None and plan.ward == "minami"
    outline = read.outline(plan)
    assert outline.areas and outline.measure_count > 0
    assert all(m.href.startswith("/page/minami/2022/") for a in outline.areas for m in a.measures)
    sections = read.sections(plan)
    somu = read.section("minami/section/somu", "minami/2022")
    assert somu.plan == plan and somu.key in {s.key for s in sections}
    assert somu.label and somu.measure_count == next(
        s.measures for s in sections if s.key == somu.key
    )
    same = read.compare(somu.key, somu.key, plan.key)
    assert same.same and not same.only_a and not same.only_b


def test_plan_pages_refuse_in_both_languages(store: GraphStore, seed_settings: Settings) -> None:
    read = PlanPages(store, seed_settings.base)
    with pytest.raises(Malformed) as bad:
        read.plan("minami-2022")
    assert bad.value.status == 400 and "区/年度" in bad.value.ja and "<ward>" in bad.value.en
    with pytest.raises(Unknown) as missing:
        read.plan("minami/1999")
    assert missing.value.status == 404 and "no plan minami/1999" in missing.value.en
    with pytest.raises(Unknown):
        read.section("minami/section/no-such-section")
    with pytest.raises(Malformed) as side:
        read.compare("minami/section/somu", "nowhere")
    assert side.value.en.startswith("b must look like")


def test_plan_index_and_sources(store: GraphStore, seed_settings: Settings) -> None:
    entries = plan_index(store, seed_settings.base)
    entry = next(e for e in entries if e.key == "minami/2022")
    assert entry.counts["measures"] > 0 and entry.ward_label
    files = plan_files(store, seed_settings.base, seed_settings.sources, "minami", "2022")
    assert files is not None and all(p.is_file() for p in files.paths)
    document = source_document(store, seed_settings.base, seed_settings.sources, "minami", "2022")
    assert document is not None and document.lines and not document.changed
    assert plan_files(store, seed_settings.base, seed_settings.sources, "..", "2022") is None
    assert source_href("minami", "2022", [3, 1, 2, 7]) == "/source/minami/2022?hl=1-3&hl=7#L1"


def test_resource_reader(store: GraphStore, seed_settings: Settings) -> None:
    reader = Reader(store, seed_settings.base)
    iri = f"{seed_settings.base}id/minami/section/somu"
    assert reader.exists(iri) and not reader.exists(f"{seed_settings.base}id/nothing")
    resource = reader.resource(iri)
    assert resource.path == "minami/section/somu"
    assert resource.section_page == "/sections/minami/somu"
    assert reader.page_href(iri) == "/page/minami/section/somu"
    assert reader.description_triples(iri)
