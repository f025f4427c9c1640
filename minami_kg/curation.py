"""Human-edited data in `data/curation/`: ward codes, slugs and English labels.

The files are TOML keyed by Japanese text as the document writes it. Keys and
lookups are compared after `label_key` (NFKC, no whitespace), so a label
written with full-width brackets or a stray space still matches.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


class CurationError(ValueError):
    """A curation file that cannot be read; the message names it."""


def label_key(text: str) -> str:
    """The form under which a Japanese label is looked up."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Municipality:
    """A ward or a city as `wards.toml` describes it."""

    name: str  # 南区
    slug: str  # minami
    en: str | None = None  # Minami Ward
    code: str | None = None  # local-government code, 14105
    city: str | None = None  # the city a ward belongs to: 横浜市


@dataclass(frozen=True)
class Curation:
    """All curated data, looked up by Japanese text."""

    wards: dict[str, Municipality] = field(default_factory=dict)
    cities: dict[str, Municipality] = field(default_factory=dict)
    area_slugs: dict[str, str] = field(default_factory=dict)
    section_slugs: dict[str, str] = field(default_factory=dict)
    site_slugs: dict[str, str] = field(default_factory=dict)
    labels_en: dict[str, str] = field(default_factory=dict)

    def english(self, japanese: str) -> str | None:
        return self.labels_en.get(label_key(japanese))

    def ward(self, name: str) -> Municipality | None:
        return self.wards.get(label_key(name))

    def ward_by_slug(self, slug: str) -> Municipality | None:
        return next((w for w in self.wards.values() if w.slug == slug), None)

    def city(self, name: str) -> Municipality | None:
        return self.cities.get(label_key(name))


def _load_toml(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise CurationError(f"{path}: {err}") from None


def _keyed(table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        return {}
    return {label_key(k): str(v) for k, v in table.items()}


def _municipalities(table: object) -> dict[str, Municipality]:
    if not isinstance(table, dict):
        return {}
    return {
        label_key(name): Municipality(
            name=name,
            slug=str(entry["slug"]),
            en=entry.get("en"),
            code=None if entry.get("code") is None else str(entry["code"]),
            city=entry.get("city"),
        )
        for name, entry in table.items()
    }


def load_curation(folder: Path) -> Curation:
    """Read every curation file of `folder`; missing files mean no curation of that kind."""
    wards = _load_toml(folder / "wards.toml")
    slugs = _load_toml(folder / "slugs.toml")
    labels = _load_toml(folder / "labels-en.toml")
    return Curation(
        wards=_municipalities(wards.get("ward")),
        cities=_municipalities(wards.get("city")),
        area_slugs=_keyed(slugs.get("area")),
        section_slugs=_keyed(slugs.get("section")),
        site_slugs=_keyed(slugs.get("site")),
        labels_en=_keyed(labels.get("label")),
    )
