"""Writing the curation files a review decision changes: whole, atomically, in a stable order.

`link-overrides.toml` is rewritten as: the file's opening comment block,
verbatim, then every `[[add]]` entry, then every `[[reject]]` entry, each list
sorted by (ward, fiscal year, section, measure), each entry's keys in one
order (`ENTRY_KEYS`, then any other key the entry had). So two decisions give a
two-entry diff in git, and a hand-written file changes only in its order the
first time. Comments between entries are not kept: reasons belong in `note`.

Callers hold `minami_kg.review.decide.review_lock` around read-modify-write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit

from minami_kg.accounts import write_atomically

ENTRY_KEYS = (
    "ward", "fiscal_year", "section", "measure", "note",
    "decision", "was", "reviewer", "decided", "replaces",
)  # fmt: skip
REPLACES_KEYS = ("decision", "reviewer", "decided", "note", "was")
ACTIONS = ("add", "reject")


def header(text: str) -> str:
    """The comment lines (and blank lines) before the first table of a TOML text."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines).rstrip()


def plain(value: Any) -> Any:
    """A tomlkit item as plain Python (dicts, lists, str, int, datetime)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return datetime.fromisoformat(value.isoformat())
    if hasattr(value, "unwrap"):
        return value.unwrap()
    return value


def read_entries(path: Path) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """The header and the `[[add]]` / `[[reject]]` entries of an overrides file."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    doc = tomlkit.parse(text)
    entries = {action: [plain(e) for e in doc.get(action, [])] for action in ACTIONS}
    return header(text), entries


def _sort_key(entry: Mapping[str, Any]) -> tuple:
    return (
        str(entry.get("ward") or ""),
        int(entry.get("fiscal_year") or 0),
        str(entry.get("section", "")),
        str(entry.get("measure", "")),
    )


def _ordered(entry: Mapping[str, Any], keys: Iterable[str]) -> list[tuple[str, Any]]:
    keys = list(keys)
    known = [(k, entry[k]) for k in keys if entry.get(k) is not None]
    return known + sorted((k, v) for k, v in entry.items() if k not in keys and v is not None)


def render(head: str, entries: Mapping[str, list[dict[str, Any]]]) -> str:
    doc = tomlkit.document()
    for action in ACTIONS:
        items = sorted(entries.get(action, []), key=_sort_key)
        if not items:
            continue
        aot = tomlkit.aot()
        for entry in items:
            table = tomlkit.table()
            for key, value in _ordered(entry, ENTRY_KEYS):
                if key == "replaces" and isinstance(value, Mapping):
                    inline = tomlkit.inline_table()
                    inline.update(dict(_ordered(value, REPLACES_KEYS)))
                    value = inline
                table.add(key, value)
            aot.append(table)
        doc.append(action, aot)
    body = tomlkit.dumps(doc).strip()
    return f"{head}\n\n{body}\n" if head else f"{body}\n"


def write_entries(path: Path, head: str, entries: Mapping[str, list[dict[str, Any]]]) -> None:
    write_atomically(path, render(head, entries))


def set_label(path: Path, table: tuple[str, ...], key: str, value: str) -> None:
    """Set `key = value` in the table at `table` (e.g. ("label", "minami")) of a TOML file.

    The rest of the file, comments and order included, is kept as it was: a
    new key goes at the end of its table, a changed one stays where it is.
    """
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    doc = tomlkit.parse(text)
    node: Any = doc
    for name in table:
        if name not in node:
            node.add(name, tomlkit.table())
        node = node[name]
    node[key] = value
    write_atomically(path, tomlkit.dumps(doc))


def append_record(path: Path, name: str, record: Mapping[str, Any]) -> None:
    """Append one `[[name]]` entry (a review record) at the end of a TOML file."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    doc = tomlkit.document()
    aot = tomlkit.aot()
    table = tomlkit.table()
    for key, value in record.items():
        table.add(key, value)
    aot.append(table)
    doc.append(name, aot)
    write_atomically(path, text.rstrip("\n") + "\n\n" + tomlkit.dumps(doc))
