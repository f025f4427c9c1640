"""Which C allocator `minami-kg serve` runs with: jemalloc when it is installed.

pyoxigraph (Rust, with RocksDB underneath) allocates through the C library's
`malloc`, and a SPARQL query allocates a great deal: on the seed store the
heaviest canned queries took 11–21% less time with jemalloc than with glibc's
allocator (docs/performance.md). Python cannot swap the allocator of a
process that is already running; the dynamic loader picks it when the
process starts, from `LD_PRELOAD`. So `serve` starts itself once more with
the library preloaded (`restart_preloaded`), before it builds anything or
forks a worker, and everything it starts inherits the choice.

The setting `malloc` (MINAMI_KG_MALLOC) says which: `auto` (the default)
uses jemalloc when it is found and the C library's allocator otherwise;
`system` never preloads anything; a path preloads that library.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path
from typing import NoReturn

from minami_kg.config import SettingsError

# Where Debian's and Ubuntu's libjemalloc2, and Red Hat's jemalloc, install it.
_KNOWN_PLACES = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
)


def allocator_library(choice: str) -> Path | None:
    """The library to preload for the setting `choice`, or None for the C library's own."""
    if choice == "system":
        return None
    if choice == "auto":
        return find_jemalloc() if sys.platform == "linux" else None
    library = Path(choice)
    if not library.is_file():
        raise SettingsError(
            f"MINAMI_KG_MALLOC={choice!r}: no such file (give auto, system, or a library's path)"
        )
    return library


def find_jemalloc() -> Path | None:
    for place in _KNOWN_PLACES:
        if Path(place).is_file():
            return Path(place)
    name = ctypes.util.find_library("jemalloc")  # e.g. libjemalloc.so.2, found by ldconfig
    return Path(name) if name and Path(name).is_absolute() else None


def preloaded(library: Path, environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether `library` is in `environ`'s LD_PRELOAD already (so this process has it)."""
    return str(library) in environ.get("LD_PRELOAD", "").replace(":", " ").split()


def restart_preloaded(library: Path) -> NoReturn:
    """Run this same command again, in this process, with `library` preloaded.

    The process keeps its id (`execve`), so whoever started it (a shell, a
    supervisor, a test) still holds the server.
    """
    environ = dict(os.environ)
    environ["LD_PRELOAD"] = " ".join(filter(None, (str(library), environ.get("LD_PRELOAD"))))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environ)


def loaded_allocator() -> str:
    """What this process allocates with, for the line `serve` prints when it starts."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        for line in maps.read_text(encoding="utf-8", errors="replace").splitlines():
            if "jemalloc" in line:
                return line.split()[-1]
    return "the C library's malloc"
