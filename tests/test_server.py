"""The web app over a real store, through Flask's test client."""

from __future__ import annotations

from pathlib import Path

from minami_kg.config import Settings
from minami_kg.server import create_app

from .conftest import settings_for


def test_home_lists_areas_and_measures(seed_settings: Settings, seed_build: object) -> None:
    client = create_app(seed_settings).test_client()
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "令和4年度 南区運営方針" in page
    for area in ("減災", "賑わい", "健やか", "子ども", "地域の力", "着実に取り組む事業・業務"):
        assert f'<span class="area-name">{area}</span>' in page
    assert page.count('<li class="measure">') == 36
    assert "防災・減災意識の向上" in page


def test_home_has_a_json_twin(seed_settings: Settings, seed_build: object) -> None:
    client = create_app(seed_settings).test_client()
    data = client.get("/?format=json").get_json()
    (plan,) = data["plans"]
    assert plan["fiscal_year"] == "2022"
    assert [len(a["measures"]) for a in plan["areas"]] == [4, 4, 6, 6, 6, 10]
    assert [a["priority"] for a in plan["areas"]] == [True] * 4 + [False] * 2


def test_healthz(seed_settings: Settings, seed_build: object, tmp_path: Path) -> None:
    assert create_app(seed_settings).test_client().get("/healthz").status_code == 200
    missing = create_app(settings_for(tmp_path / "none")).test_client()
    response = missing.get("/healthz")
    assert response.status_code == 503
    assert "minami-kg build" in response.get_json()["error"]
