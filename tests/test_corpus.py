"""bench/corpus.py: synthetic plans of imaginary wards that the whole pipeline reads."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from minami_kg.build import read_sources
from minami_kg.cli import main
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.curation import load_curation
from minami_kg.extract import decode
from minami_kg.stats import graph_stats
from minami_kg.store import EmbeddedStore

CORPUS = PROJECT_ROOT / "bench" / "corpus.py"
NOTICE = "【合成データ】"


def corpus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CORPUS), *args], capture_output=True, text=True, timeout=300
    )


def documents(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*/*.txt"))


def test_two_wards_two_years_build_and_diff(tmp_path: Path) -> None:
    out, store = tmp_path / "corpus", tmp_path / "store"
    run = corpus("--wards", "2", "--years", "2", "--out", str(out), "--seed", "7", "--build",
                 "--store", str(store))  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 synthetic documents" in run.stdout and "build:" in run.stdout

    plans = read_sources(out, load_curation(Settings().curation))
    assert len(plans) == 4 and all(p.plan.measures for p in plans)
    for path in documents(out):
        text = decode(path.read_bytes(), encoding=None, filename=str(path))
        assert text.splitlines()[0].startswith(NOTICE)
        manifest = tomllib.loads((path.parent / "manifest.toml").read_text(encoding="utf-8"))
        assert manifest["synthetic"] is True and manifest["file"] == path.name

    stats = graph_stats(EmbeddedStore(store))
    assert len(stats.per_plan) == 4

    wards = sorted({p.document.ward for p in plans})
    for ward in wards:
        result = CliRunner().invoke(
            main, ["diff", ward, "2019", "2020", "--format", "json", "--store", str(store)]
        )
        assert result.exit_code == 0, result.output
        measures = json.loads(result.output)["measures"]
        assert measures["dropped"], ward  # every year drops one measure
        changes = sum(len(measures[k]) for k in ("added", "dropped", "renamed", "moved"))
        assert changes >= 3


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert corpus("--wards", "3", "--years", "2", "--out", str(tmp_path / name),
                      "--seed", seed).returncode == 0  # fmt: skip

    def contents(name: str) -> dict[str, bytes]:
        root = tmp_path / name
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert contents("a") == contents("b")
    assert contents("a") != contents("c")


def test_documents_vary_in_encoding_line_ends_and_markers(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    assert corpus("--wards", "12", "--years", "2", "--out", str(out)).returncode == 0
    paths = documents(out)
    assert len(paths) == 24
    raw = [p.read_bytes() for p in paths]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw)  # UTF-8 with BOM
    assert any(b.startswith((b"\xff\xfe", b"\xfe\xff")) for b in raw)  # UTF-16 with BOM
    assert any(_is_cp932(b) for b in raw)
    texts = [decode(b, encoding=None, filename="x") for b in raw]
    crlf = [any(end in b for end in (b"\r\n", b"\r\x00\n\x00", b"\x00\r\x00\n")) for b in raw]
    assert any(crlf) and not all(crlf)
    measure_marks = {
        line[0] for t in texts for line in t.splitlines() if line and line[0] in "●■・◆○"
    }
    assert len(measure_marks) >= 3
    assert len({t.split("\n")[2][:2] for t in texts}) >= 2  # 令和… and 2019…
    assert len(read_sources(out, load_curation(Settings().curation))) == 24


def _is_cp932(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    return False


def test_never_writes_into_data(tmp_path: Path) -> None:
    target = PROJECT_ROOT / "data" / "sources" / "synthetic-corpus"
    run = corpus("--wards", "1", "--years", "1", "--out", str(target))
    assert run.returncode != 0 and "never go under" in run.stderr
    assert not target.exists()
