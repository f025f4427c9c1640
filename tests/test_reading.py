"""The reading of a plan, as staff check it: `minami-kg read`, the page and the build's warnings.

A plan is read from one file or from the files a manifest lists; what could not
be placed is a warning with its place in the file as published, and `--strict`
refuses a plan with any.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.extract import read_reading
from minami_kg.server import create_app

from .conftest import FIXTURES, SEED, settings_for

MINE = FIXTURES / "layouts" / "mine"
PDF = FIXTURES / "layouts" / "pdf" / "sakuradai-r6.pdf"


def _with_stray_lines(folder: Path) -> Path:
    """A copy of the seed with a line between the title and part I that belongs nowhere."""
    text = SEED.read_text(encoding="utf-8").replace(
        "令和4年度 南区運営方針\n", "令和4年度 南区運営方針\n\n本書は内部資料の写しです\n", 1
    )
    path = folder / "minami-r4-stray.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_seed_reads_whole() -> None:
    reading = read_reading([SEED])
    assert reading.warnings == ()
    assert reading.placed == reading.content == 102
    assert reading.coverage == 1.0


def test_a_line_that_belongs_nowhere_is_a_warning_with_its_place(tmp_path: Path) -> None:
    path = _with_stray_lines(tmp_path)
    reading = read_reading([path])
    assert [(w.line, w.text) for w in reading.warnings] == [(5, "本書は内部資料の写しです")]
    assert reading.warnings[0].where == f"{path}:5"
    assert reading.placed == reading.content - 1
    assert len(reading.plan.measures) == 36  # the plan itself is read as before


def test_read_prints_the_outline_and_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = _with_stray_lines(tmp_path)
    result = runner.invoke(main, ["read", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "令和4年度 南区運営方針  (南区, FY2022)  [minami-r4-stray.txt:3]"
    assert "    ● 防災・減災意識の向上  [minami-r4-stray.txt:66]" in lines
    assert "1 warnings; 102 of 103 blocks placed (99.0%)" in lines
    assert (
        lines[-1]
        == "warning: minami-r4-stray.txt:5: not placed in the plan: 本書は内部資料の写しです"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["minami-r4-stray.txt"]


def test_read_as_json(runner: CliRunner) -> None:
    result = runner.invoke(main, ["read", "--format", "json", str(MINE / "kawabe-r6-tanto.txt")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["ward"], data["fiscal_year"]) == ("川辺区", 2024)
    assert [(a["label"], len(a["measures"])) for a in data["areas"]] == [
        ("安全・安心のまちづくり", 2),
        ("にぎわいのまちづくり", 2),
    ]
    festival = data["areas"][1]["measures"][0]
    assert festival["sections"] == ["地域振興課", "区政推進課"]
    assert (festival["at"], festival["line"]) == ("kawabe-r6-tanto.txt:20", 20)
    assert data["statements"][0]["label"] == "協働による取組"
    assert data["coverage"] == {"placed": 26, "content": 26, "ratio": 1.0}


def test_read_names_a_pdf_item_by_page_and_position(runner: CliRunner) -> None:
    result = runner.invoke(main, ["read", "--format", "json", str(PDF)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["at"].startswith("sakuradai-r6.pdf p.1 y=")
    assert data["areas"][1]["measures"][0]["at"].startswith("sakuradai-r6.pdf p.2 y=")


def test_read_refuses_a_non_plan_in_one_line(runner: CliRunner) -> None:
    path = FIXTURES / "layouts" / "text" / "nonplan-minutes.txt"
    result = runner.invoke(main, ["read", str(path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and str(path) in result.output


def test_build_counts_warnings_and_strict_refuses_them(runner: CliRunner, tmp_path: Path) -> None:
    path = _with_stray_lines(tmp_path)
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--source", str(path), "--store", str(store)])
    assert built.exit_code == 0, built.output
    assert "36 measures, 39 actions, 14 sections; 1 warnings" in built.output
    before = sorted(p.name for p in store.iterdir())
    strict = runner.invoke(
        main, ["build", "--strict", "--source", str(path), "--store", str(store)]
    )
    assert strict.exit_code == 1
    assert f"{path}:5: not placed in the plan (1 warnings; --strict)" in strict.output
    assert sorted(p.name for p in store.iterdir()) == before


def test_a_title_without_ward_or_year_takes_them_from_the_command_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "plan.txt"
    text = (MINE / "kawabe-r6-tanto.txt").read_text(encoding="utf-8")
    path.write_text(text.replace("令和6年度 川辺区運営方針", "運営方針", 1), encoding="utf-8")
    asked = runner.invoke(main, ["read", str(path)])
    assert asked.exit_code == 1
    assert "give it with --ward" in asked.output  # no ward anywhere: the contact block has none
    given = runner.invoke(main, ["read", "--ward", "川辺区", "--fiscal-year", "2024", str(path)])
    assert given.exit_code == 0, given.output
    assert given.output.startswith("令和6年度 川辺区運営方針  (川辺区, FY2024)")


def test_a_plan_in_several_files_is_one_plan(tmp_path: Path) -> None:
    """A manifest's files = [...] are read in order as one plan; pillars may span files."""
    folder = tmp_path / "sources" / "kawabe" / "2024"
    folder.mkdir(parents=True)
    text = (MINE / "kawabe-r6-tanto.txt").read_text(encoding="utf-8")
    head, rest = text.split("２ 目標達成に向けた施策", 1)
    part2, part3 = rest.split("３ 組織運営", 1)
    (folder / "1-kihon.txt").write_text(head, encoding="utf-8")
    (folder / "2-shisaku.txt").write_text(
        "令和6年度 川辺区運営方針 目標達成に向けた取組\n\n２ 目標達成に向けた施策" + part2,
        encoding="utf-8",
    )
    (folder / "3-soshiki.txt").write_text("３ 組織運営" + part3, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        'ward = "kawabe"\nward_name = "川辺区"\nfiscal_year = 2024\n'
        'files = ["1-kihon.txt", "2-shisaku.txt", "3-soshiki.txt"]\n',
        encoding="utf-8",
    )
    settings = settings_for(tmp_path / "store").with_changes(sources=tmp_path / "sources")
    result = build(settings, folder)
    [built] = result.plans
    plan = built.plan
    assert (built.document.ward, plan.fiscal_year) == ("kawabe", 2024)
    assert built.document.file_names == ("1-kihon.txt", "2-shisaku.txt", "3-soshiki.txt")
    assert [len(a.measures) for a in plan.focus_areas] == [2, 2]
    assert len(plan.sections) == 4
    assert built.reading.warnings == ()
    first = plan.focus_areas[1].measures[0].source.first_line
    origin = built.reading.document.origin(first)
    assert (Path(origin.file).name, origin.line) == ("2-shisaku.txt", 15)
    page = (
        create_app(settings)
        .test_client()
        .get(f"/source/kawabe/2024?hl={first}", headers={"Accept": "text/html"})
    )
    assert page.status_code == 200
    assert f'<li id="L{first}" class="hl">' in page.get_data(as_text=True)
    assert "● 区民まつりの開催（担当：地域振興課、区政推進課）" in page.get_data(as_text=True)


def test_reading_page_and_its_json_twin(client: FlaskClient) -> None:
    page = client.get("/plans/minami/2022/reading", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "読み取り結果: 令和4年度 南区運営方針" in html
    assert 'href="/source/minami/2022?hl=64#L64"' in html  # the first measure, linked to its line
    assert "警告はありません" in html
    assert page.headers["Link"].startswith("</plans/minami/2022/reading?format=json>")
    twin = client.get("/plans/minami/2022/reading?format=json").get_json()
    assert twin["reading"]["coverage"] == {"placed": 102, "content": 102, "ratio": 1.0}
    assert [len(a["measures"]) for a in twin["reading"]["areas"]] == [4, 4, 6, 6, 6, 10]
    assert twin["reading"]["files"] == ["minami-r4-unei-hoshin.txt"]
    plans = client.get("/plans", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/plans/minami/2022/reading"' in plans


def test_reading_page_of_no_plan_is_a_404(client: FlaskClient) -> None:
    assert client.get("/plans/minami/1999/reading").status_code == 404
    answer = client.get("/plans/nowhere/2022/reading?format=json")
    assert answer.status_code == 404
    assert "nowhere/2022" in answer.get_json()["error"]


def test_a_pdf_plan_in_the_source_view_and_its_reading(tmp_path: Path) -> None:
    """The source view shows a PDF's text as it was read, line by line."""
    folder = tmp_path / "sources" / "sakuradai" / "2024"
    folder.mkdir(parents=True)
    shutil.copy(PDF, folder / "sakuradai-r6.pdf")
    (folder / "manifest.toml").write_text('ward = "sakuradai"\n', encoding="utf-8")
    settings = settings_for(tmp_path / "store").with_changes(sources=tmp_path / "sources")
    build(settings)
    client = create_app(settings).test_client()
    page = client.get("/source/sakuradai/2024", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "令和6年度 さくら台区運営方針" in page.get_data(as_text=True)
    reading = client.get("/plans/sakuradai/2024/reading?format=json").get_json()["reading"]
    assert reading["files"] == ["sakuradai-r6.pdf"]
    assert reading["warnings"] == []


def test_the_plan_page_links_its_reading(client: FlaskClient) -> None:
    home = client.get("/?plan=minami/2022", headers={"Accept": "text/html"})
    assert 'href="/plans/minami/2022/reading"' in home.get_data(as_text=True)


def test_a_section_named_by_a_tanto_without_a_goal_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "令和6年度 川辺区運営方針\n\n２ 目標達成に向けた施策\n\n柱１ 安全・安心のまちづくり\n\n"
        "● 防災拠点の機能強化（担当：総務課、危機管理室）\n▶ 拠点訓練の支援\n\n"
        "４ 各職場の取組目標\n\n総務課\n区役所の運営を支えます。\n",
        encoding="utf-8",
    )
    reading = read_reading([path])
    assert reading.plan.measures[0].sections == ("総務課", "危機管理室")
    assert [(w.line, w.message) for w in reading.warnings] == [
        (7, "担当 names a section with no goal in this plan")
    ]
    assert reading.coverage == 1.0  # the measure itself is placed


def test_a_non_plan_page_or_pdf_leaves_the_store_as_it_was(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = runner.invoke(main, ["build", "--source", str(SEED), "--store", str(store)])
    assert first.exit_code == 0, first.output
    dump = tmp_path / "before.nq"
    runner.invoke(main, ["export", "--store", str(store), "--format", "nq", "-o", str(dump)])
    for name in ("round2/nonplan-ward-index.html", "round3/nonplan-notice-r6.pdf"):
        path = FIXTURES / "layouts" / name
        refused = runner.invoke(main, ["build", "--source", str(path), "--store", str(store)])
        assert refused.exit_code == 1, name
        assert refused.output.count("\n") == 1 and str(path) in refused.output
        after = tmp_path / "after.nq"
        runner.invoke(main, ["export", "--store", str(store), "--format", "nq", "-o", str(after)])
        assert after.read_bytes() == dump.read_bytes(), name


def test_organisation_before_the_pillars_is_read_all_the_same() -> None:
    """A plan that puts 組織運営 (part III) before its pillars: its principles are read too."""
    reading = read_reading([FIXTURES / "layouts" / "round5" / "sumireno-r6.txt"])
    assert [p.title for p in reading.plan.principles] == [
        "区民の立場に立った丁寧な窓口",
        "課の枠を越えて学び合う職場",
    ]
    assert reading.plan.organisation_intro.startswith("すみれ野区役所は、全ての施策を支える")
    assert reading.warnings == ()
