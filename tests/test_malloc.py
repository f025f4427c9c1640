"""`minami-kg serve` runs with jemalloc when it is installed (`minami_kg.server.malloc`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from minami_kg.config import Settings, SettingsError
from minami_kg.server.malloc import allocator_library, find_jemalloc, preloaded

from .w3c.server import served


def test_system_preloads_nothing() -> None:
    assert allocator_library("system") is None


def test_a_path_must_be_a_file(tmp_path: Path) -> None:
    library = tmp_path / "libexample.so"
    with pytest.raises(SettingsError, match="MINAMI_KG_MALLOC"):
        allocator_library(str(library))
    library.write_bytes(b"")
    assert allocator_library(str(library)) == library


def test_auto_is_jemalloc_when_installed() -> None:
    assert allocator_library("auto") == find_jemalloc()


def test_preloaded_reads_both_separators() -> None:
    library = Path("/usr/lib/libjemalloc.so.2")
    assert preloaded(library, {"LD_PRELOAD": "/lib/a.so:/usr/lib/libjemalloc.so.2"})
    assert preloaded(library, {"LD_PRELOAD": "/usr/lib/libjemalloc.so.2 /lib/a.so"})
    assert not preloaded(library, {"LD_PRELOAD": "/usr/lib/libjemalloc.so.2.old"})
    assert not preloaded(library, {})


def _mapped_libraries(pid: int) -> set[str]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {line.split()[-1] for line in maps.splitlines() if line.split()[-1].startswith("/")}


def _web_workers(arbiter: int) -> list[int]:
    children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.parametrize("choice", ["auto", "system"])
def test_the_web_workers_run_with_the_chosen_allocator(
    choice: str, seed_settings: Settings, seed_build: object
) -> None:
    """The arbiter starts itself again with the library preloaded (same process id),
    and the web workers it forks allocate with it too."""
    wanted = allocator_library(choice)
    with served(seed_settings.store, env={"MINAMI_KG_MALLOC": choice}) as (_, process):
        workers = _web_workers(process.pid)
        assert workers, "gunicorn started no web worker"
        for pid in [process.pid, *workers]:
            jemalloc = {lib for lib in _mapped_libraries(pid) if "jemalloc" in lib}
            if wanted is None:
                assert jemalloc == set(), pid
            else:
                assert jemalloc == {str(wanted)}, pid
