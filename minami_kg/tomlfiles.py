"""Reading the project's human-edited TOML files (manifests, curation)."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, error: type[ValueError]) -> dict[str, object]:
    """The file's tables, `{}` when it does not exist; a syntax error becomes `error`."""
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: {err}") from None
