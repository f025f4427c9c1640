"""Human-edited data in `data/curation/`: what people decide rather than parse.

- `wards.toml`: slugs, English names and local-government codes of wards and cities;
- `slugs.toml`: readable slugs for focus areas, sections and sites;
- `labels-en.toml`: English labels keyed by the Japanese text;
- `topics.toml`: the topic scheme (SKOS), with the words that signal each topic;
- `partners.toml`: outside bodies and roles, with every alias the text uses;
- `cited-plans.toml`: other plans the documents cite;
- `link-overrides.toml`: section → measure links added or rejected by hand, with a note.

Japanese keys and lookups are compared after `label_key` (NFKC, no
whitespace), so a label written with full-width brackets or a stray space
still matches.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from minami_kg.localgov import FIVE_DIGITS, six_digit_code
from minami_kg.tomlfiles import read_toml


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
    code: str | None = None  # local-government code, five digits: 14105
    city: str | None = None  # the city a ward belongs to: 横浜市

    @property
    def full_code(self) -> str | None:
        """The six-digit 全国地方公共団体コード, check digit included: 141054."""
        return six_digit_code(self.code) if self.code else None


@dataclass(frozen=True)
class Topic:
    slug: str
    ja: str
    en: str | None = None
    alt_ja: tuple[str, ...] = ()
    alt_en: tuple[str, ...] = ()
    match: tuple[str, ...] = ()  # words whose presence means a text is about the topic
    broader: str | None = None  # slug
    sdg: tuple[int, ...] = ()  # UN Sustainable Development Goal numbers
    linking: bool = True  # False: a topic of how the office works, never evidence of a link


@dataclass(frozen=True)
class PartnerEntry:
    slug: str
    ja: str
    en: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str = "organization"  # organization | organization-type | volunteer-role
    generic: bool = False  # vague words (関係機関): recorded, never evidence on their own


@dataclass(frozen=True)
class CitedPlan:
    slug: str
    ja: str
    en: str | None = None
    aliases: tuple[str, ...] = ()
    publisher: str | None = None


@dataclass(frozen=True)
class Review:
    """Who decided a link through the review, when, and what they did (`minami_kg.review`)."""

    decision: str  # accept | reject | add
    reviewer: str  # the account's display name
    decided: datetime  # with its UTC offset (the review writes Japan time, +09:00)
    note: str
    was: str = "none"  # the link before: candidate | accepted | none


@dataclass(frozen=True)
class LinkOverride:
    """A person's decision about one section → measure link, which wins over the linker."""

    action: str  # "add" or "reject"
    section: str  # the section's name as the document writes it
    measure: str  # the measure's title as the document writes it
    note: str
    ward: str | None = None  # slug; None means any ward
    fiscal_year: int | None = None  # None means any year
    review: Review | None = None  # set when decided through the review, not typed by hand
    replaces: Review | None = None  # the earlier review decision this one replaced


@dataclass(frozen=True)
class LabelReview:
    """An English label set through the review (a `[[review]]` record of labels-en.toml)."""

    thing: str  # the labelled thing's IRI after `{base}id/`, e.g. minami/2022/measure/gensai-01
    ward: str
    ja: str
    en: str
    review: Review  # decision "label"; `was` is the English label it replaced ("" for none)


@dataclass(frozen=True)
class Curation:
    """All curated data, looked up by Japanese text."""

    wards: dict[str, Municipality] = field(default_factory=dict)
    cities: dict[str, Municipality] = field(default_factory=dict)
    # one ward's own words: its areas' slugs and roles, its English labels, by ward slug
    area_slugs: dict[str, dict[str, str]] = field(default_factory=dict)
    area_kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    labels_en: dict[str, dict[str, str]] = field(default_factory=dict)
    # names every ward office uses alike (総務課 → somu, General Affairs Section)
    common_labels_en: dict[str, str] = field(default_factory=dict)
    section_slugs: dict[str, str] = field(default_factory=dict)
    site_slugs: dict[str, str] = field(default_factory=dict)
    topics: tuple[Topic, ...] = ()
    partners: tuple[PartnerEntry, ...] = ()
    cited_plans: tuple[CitedPlan, ...] = ()
    overrides: tuple[LinkOverride, ...] = ()
    label_reviews: tuple[LabelReview, ...] = ()

    def english(self, japanese: str, ward: str) -> str | None:
        """The English label of a ward's text (slug `ward`), or of a name every ward uses."""
        key = label_key(japanese)
        return self.labels_en.get(ward, {}).get(key) or self.common_labels_en.get(key)

    def area_kind(self, name: str, ward: str) -> str | None:
        """The curated role of a ward's focus area where its text does not say it."""
        return self.area_kinds.get(ward, {}).get(label_key(name))

    def ward(self, name: str) -> Municipality | None:
        return self.wards.get(label_key(name))

    def ward_by_slug(self, slug: str) -> Municipality | None:
        return next((w for w in self.wards.values() if w.slug == slug), None)

    def city(self, name: str) -> Municipality | None:
        return self.cities.get(label_key(name))


def _keyed(table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        return {}
    return {label_key(k): str(v) for k, v in table.items()}


def _by_ward(table: object, path: str) -> dict[str, dict[str, str]]:
    """`[table.<ward slug>]` sub-tables, each keyed by Japanese text."""
    if not isinstance(table, dict):
        return {}
    for ward, entries in table.items():
        if not isinstance(entries, dict):
            raise CurationError(f"{path}: {ward!r} must be a table of one ward's entries")
    return {ward: _keyed(entries) for ward, entries in table.items()}


def _code(name: str, entry: dict, path: str) -> str | None:
    """The curated five-digit code; anything else is a mistake worth stopping the build for."""
    code = entry.get("code")
    if code is None:
        return None
    if not FIVE_DIGITS.fullmatch(str(code)):
        raise CurationError(
            f"{path}: {name}: code {code!r} must be the five-digit local government code "
            '(without the check digit), as a string: "14105"'
        )
    return str(code)


def _municipalities(table: object, path: str) -> dict[str, Municipality]:
    if not isinstance(table, dict):
        return {}
    return {
        label_key(name): Municipality(
            name=name,
            slug=str(entry["slug"]),
            en=entry.get("en"),
            code=_code(name, entry, path),
            city=entry.get("city"),
        )
        for name, entry in table.items()
    }


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _entries(table: object, path: str) -> list[tuple[str, dict]]:
    if not isinstance(table, dict):
        return []
    bad = [
        slug for slug, entry in table.items() if not isinstance(entry, dict) or "ja" not in entry
    ]
    if bad:
        raise CurationError(f"{path}: entry {bad[0]!r} needs at least a `ja` name")
    return sorted(table.items())


def _topics(table: object, path: str) -> tuple[Topic, ...]:
    return tuple(
        Topic(
            slug=slug,
            ja=entry["ja"],
            en=entry.get("en"),
            alt_ja=_strings(entry.get("alt_ja")),
            alt_en=_strings(entry.get("alt_en")),
            match=_strings(entry.get("match")),
            broader=entry.get("broader"),
            sdg=tuple(int(n) for n in entry.get("sdg", ())),
            linking=bool(entry.get("linking", True)),
        )
        for slug, entry in _entries(table, path)
    )


def _partners(table: object, path: str) -> tuple[PartnerEntry, ...]:
    return tuple(
        PartnerEntry(
            slug=slug,
            ja=entry["ja"],
            en=entry.get("en"),
            aliases=_strings(entry.get("aliases")),
            kind=str(entry.get("kind", "organization")),
            generic=bool(entry.get("generic", False)),
        )
        for slug, entry in _entries(table, path)
    )


def _cited_plans(table: object, path: str) -> tuple[CitedPlan, ...]:
    return tuple(
        CitedPlan(
            slug=slug,
            ja=entry["ja"],
            en=entry.get("en"),
            aliases=_strings(entry.get("aliases")),
            publisher=entry.get("publisher"),
        )
        for slug, entry in _entries(table, path)
    )


def _overrides(data: dict[str, object], path: str) -> tuple[LinkOverride, ...]:
    found = []
    for action in ("add", "reject"):
        items = data.get(action, [])
        for item in items if isinstance(items, list) else []:
            missing = [k for k in ("section", "measure", "note") if not item.get(k)]
            if missing:
                raise CurationError(f"{path}: an [[{action}]] entry has no {missing[0]}")
            year = item.get("fiscal_year")
            found.append(
                LinkOverride(
                    action=action,
                    section=item["section"],
                    measure=item["measure"],
                    note=item["note"],
                    ward=item.get("ward"),
                    fiscal_year=None if year is None else int(year),
                    review=_review(item, path),
                    replaces=_review(item.get("replaces"), path),
                )
            )
    return tuple(found)


def _review(item: object, path: str) -> Review | None:
    """The review fields of an override entry (or of its `replaces` table), if it has them."""
    if not isinstance(item, dict) or "reviewer" not in item:
        return None
    decided = item.get("decided")
    if not isinstance(decided, datetime) or decided.tzinfo is None:
        raise CurationError(f"{path}: `decided` must be a date and time with its offset")
    return Review(
        decision=str(item.get("decision", "")),
        reviewer=str(item["reviewer"]),
        decided=decided,
        note=str(item.get("note", "")),
        was=str(item.get("was", "none")),
    )


def _label_reviews(items: object, path: str) -> tuple[LabelReview, ...]:
    found = []
    for item in items if isinstance(items, list) else []:
        review = _review({"decision": "label", **item}, path) if isinstance(item, dict) else None
        if review is None or not all(item.get(k) for k in ("thing", "ward", "ja", "en")):
            raise CurationError(f"{path}: a [[review]] record needs thing, ward, ja, en, reviewer")
        found.append(
            LabelReview(str(item["thing"]), str(item["ward"]), item["ja"], item["en"], review)
        )
    return tuple(found)


def load_curation(folder: Path) -> Curation:
    """Read every curation file of `folder`; missing files mean no curation of that kind."""
    wards = read_toml(folder / "wards.toml", CurationError)
    slugs = read_toml(folder / "slugs.toml", CurationError)
    labels = read_toml(folder / "labels-en.toml", CurationError)
    topics = read_toml(folder / "topics.toml", CurationError)
    partners = read_toml(folder / "partners.toml", CurationError)
    cited = read_toml(folder / "cited-plans.toml", CurationError)
    overrides = read_toml(folder / "link-overrides.toml", CurationError)
    return Curation(
        wards=_municipalities(wards.get("ward"), str(folder / "wards.toml")),
        cities=_municipalities(wards.get("city"), str(folder / "wards.toml")),
        area_slugs=_by_ward(slugs.get("area"), str(folder / "slugs.toml")),
        area_kinds=_by_ward(slugs.get("area-kind"), str(folder / "slugs.toml")),
        labels_en=_by_ward(labels.get("label"), str(folder / "labels-en.toml")),
        common_labels_en=_keyed(labels.get("common")),
        section_slugs=_keyed(slugs.get("section")),
        site_slugs=_keyed(slugs.get("site")),
        topics=_topics(topics.get("topic"), str(folder / "topics.toml")),
        partners=_partners(partners.get("partner"), str(folder / "partners.toml")),
        cited_plans=_cited_plans(cited.get("plan"), str(folder / "cited-plans.toml")),
        overrides=_overrides(overrides, str(folder / "link-overrides.toml")),
        label_reviews=_label_reviews(labels.get("review"), str(folder / "labels-en.toml")),
    )
