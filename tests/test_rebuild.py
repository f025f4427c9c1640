"""Atomic rebuilds: a bad document exits non-zero with one line and loses nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.store import EmbeddedStore

from .conftest import SEED, settings_for

BAD_DOCUMENTS: dict[str, bytes] = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 8,
    "page.txt": b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>\n",
    "prose.txt": "今日は良い天気です。\n公園を散歩しました。\n".encode(),
    "title-only.txt": "令和4年度 南区運営方針\n\n何もありません。\n".encode(),
}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A store of its own, built from the seed."""
    settings = settings_for(tmp_path / "var" / "store")
    build(settings, SEED)
    return settings.store


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_bad_document_leaves_store_as_it_was(
    name: str, built: Path, tmp_path: Path, runner: CliRunner
) -> None:
    before = EmbeddedStore(built).sorted_nquads()
    target = os.readlink(built)
    bad = tmp_path / name
    bad.write_bytes(BAD_DOCUMENTS[name])

    result = runner.invoke(main, ["build", "--source", str(bad), "--store", str(built)])

    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"Error: {bad}"), message
    assert "Traceback" not in result.output + result.stderr
    assert os.readlink(built) == target
    assert EmbeddedStore(built).sorted_nquads() == before


def test_bad_document_among_good_ones_stops_the_whole_build(
    built: Path, tmp_path: Path, runner: CliRunner
) -> None:
    before = EmbeddedStore(built).sorted_nquads()
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / "a-good.txt")
    (folder / "b-bad.txt").write_bytes(BAD_DOCUMENTS["prose.txt"])

    result = runner.invoke(main, ["build", "--source", str(folder), "--store", str(built)])

    assert result.exit_code == 1
    assert "b-bad.txt" in result.stderr
    assert EmbeddedStore(built).sorted_nquads() == before


def test_rebuild_swaps_and_reader_sees_new_store(built: Path, tmp_path: Path) -> None:
    reader = EmbeddedStore(built)
    assert len(reader) > 0
    old_target = os.path.realpath(built)
    build(settings_for(built), SEED)
    assert os.path.realpath(built) != old_target
    assert reader.sorted_nquads() == EmbeddedStore(built).sorted_nquads()
    generations = [p for p in built.parent.glob(".store.generations/*") if p.is_dir()]
    assert len(generations) == 2  # the current one and the one before


def test_build_prints_what_it_read(tmp_path: Path, runner: CliRunner) -> None:
    store = tmp_path / "store"
    result = runner.invoke(main, ["build", "--store", str(store)])
    assert result.exit_code == 0, result.output + result.stderr
    assert (
        "minami/2022: 令和4年度 南区運営方針 — 6 focus areas, 36 measures, 39 actions, "
        "14 sections" in result.output
    )
    assert "quads written to" in result.output


def test_unknown_encoding_is_a_clear_error(built: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["build", "--source", str(SEED), "--store", str(built), "--encoding", "nonsense"]
    )
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
