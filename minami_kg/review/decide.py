"""A reviewer's decision on one section → measure link: checked, written down, in effect.

`decide(settings, store, account, section_iri, measure_iri, decision, note, replaces=None)`

- `decision` is "accept" (a candidate becomes a link), "reject" (a link goes:
  neither link nor candidate any more) or "add" (a link the linker missed,
  where there is neither). Anything else, or a blank `note`, is a 400; an IRI
  that is not a section or a measure of a plan of the sources is a 404; a
  decision that does not fit the link's state now (accepting a link, rejecting
  a candidate, adding where there is one) is a 409.
- Concurrency: when the pair already has a decision (by anyone, through the
  review or by hand), the caller must pass that decision's `version` as
  `replaces` to overrule it; otherwise 409 with the earlier decision. A caller
  who saw no decision passes nothing.
- Written: `data/curation/link-overrides.toml` (the `curation` setting's
  folder), under a lock on `.review.lock` there, atomically, in a
  stable order (`minami_kg.review.files`). "accept" and "add" are `[[add]]`
  entries, "reject" a `[[reject]]` one, each with `decision`, `was` (candidate,
  accepted or none), `reviewer` (the display name), `decided` (Japan time, with
  its offset), `note`, and `replaces` (the earlier review decision, if any).
  Any earlier entry for the same plan and pair is removed.
- In effect before it returns (`minami_kg.review.effect`): store, search index
  and dumps; if that fails, the file is put back as it was. So is it when a
  hand-written entry for every plan would still win over the new one (409).

The core knows nothing of Flask: the web API (`minami_kg.server.review_api`)
and tests call it alike.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from minami_kg.accounts import Account, file_lock, write_atomically
from minami_kg.build import BuiltPlan, read_sources
from minami_kg.config import Settings
from minami_kg.curation import Curation, LinkOverride, label_key, load_curation
from minami_kg.link import link_plan
from minami_kg.link.model import Ref
from minami_kg.rdf.decision_graph import pair_path
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.plan_graph import area_slugs, section_slugs
from minami_kg.review.effect import NotFromSources, take_effect
from minami_kg.review.files import read_entries, write_entries
from minami_kg.store import GraphStore

audit = logging.getLogger("minami_kg.audit")

DECISIONS = ("accept", "reject", "add")
OVERRIDES_FILE = "link-overrides.toml"
LOCK_NAME = "review"  # .review.lock in the curation folder: one writer of any curation file
MAX_NOTE_CHARS = 2000
JAPAN = timezone(timedelta(hours=9), "JST")


class ReviewError(Exception):
    """A decision refused: an HTTP status, a message in both languages, and details."""

    def __init__(self, status: int, ja: str, en: str, details: dict[str, Any] | None = None):
        super().__init__(en)
        self.status, self.ja, self.en = status, ja, en
        self.details = details or {}


@dataclass(frozen=True)
class Pair:
    """One section and one measure of one plan, as the sources give them."""

    item: BuiltPlan
    section: int
    area: int
    measure: int
    section_slug: str
    area_slug: str

    @property
    def ward(self) -> str:
        return self.item.document.ward

    @property
    def fiscal_year(self) -> int:
        return self.item.document.fiscal_year

    @property
    def section_name(self) -> str:
        return self.item.plan.sections[self.section].name

    @property
    def measure_title(self) -> str:
        return self.item.plan.focus_areas[self.area].measures[self.measure].title

    def path(self) -> str:
        return pair_path(self.section_slug, self.area_slug, self.measure + 1)

    def matches(self, entry: dict[str, Any] | LinkOverride) -> bool:
        """Whether an override entry is about this plan's pair (explicitly, not "any plan")."""
        get = entry.get if isinstance(entry, dict) else lambda k: getattr(entry, k, None)
        return (
            get("ward") == self.ward
            and get("fiscal_year") == self.fiscal_year
            and label_key(str(get("section") or "")) == label_key(self.section_name)
            and label_key(str(get("measure") or "")) == label_key(self.measure_title)
        )


@dataclass(frozen=True)
class Decision:
    """A decision as the API answers it and the read models show it."""

    decision: str
    note: str
    reviewer: str | None  # None: written by hand into the file
    decided: str | None  # ISO 8601 with offset
    was: str | None
    version: str  # what a later decision passes as `replaces` to overrule this one
    replaces: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def decision_of(override: LinkOverride) -> Decision:
    review = override.review
    decided = review.decided.isoformat() if review else None
    reviewer = review.reviewer if review else None
    earlier = override.replaces
    return Decision(
        decision=review.decision if review else override.action,
        note=override.note,
        reviewer=reviewer,
        decided=decided,
        was=review.was if review else None,
        version=version_of(override.action, override.note, reviewer, decided),
        replaces=None
        if earlier is None
        else {
            "decision": earlier.decision,
            "reviewer": earlier.reviewer,
            "decided": earlier.decided.isoformat(),
            "note": earlier.note,
        },
    )


@contextmanager
def review_lock(settings: Settings) -> Iterator[None]:
    """One review write at a time over a curation folder, across threads and processes.

    One lock for every file: a link decision and a label each recompute the whole graph
    from both files, so they must not interleave."""
    with file_lock(settings.curation / LOCK_NAME):
        yield


@contextmanager
def undone_on_failure(path: Path) -> Iterator[None]:
    """A curation file written inside is put back as it was if the decision then cannot
    take effect (or anything else goes wrong): the file and the store never disagree."""
    original = path.read_bytes() if path.is_file() else None
    try:
        yield
    except BaseException:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            write_atomically(path, original.decode("utf-8"))
        raise


def version_of(action: str, note: str, reviewer: str | None, decided: str | None) -> str:
    text = "\x1f".join((action, note, reviewer or "", decided or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def find_pair(
    settings: Settings, plans: list[BuiltPlan], curation: Curation, section: str, measure: str
) -> Pair:
    """The plan, section and measure the two IRIs name; 404 when they name none."""
    iris = Iris(settings.base)
    for item in plans:
        ward, fy = item.document.ward, item.document.fiscal_year
        sections = section_slugs(item.plan, curation)
        areas = area_slugs(item.plan, curation, ward)
        found_section = next(
            (i for i, slug in enumerate(sections) if iris.section(ward, slug).value == section),
            None,
        )
        for a, area in enumerate(item.plan.focus_areas):
            for j in range(len(area.measures)):
                if iris.measure(ward, fy, areas[a], j + 1).value != measure:
                    continue
                if found_section is None:
                    raise ReviewError(
                        404,
                        f"{section}: この運営方針の課ではありません。",
                        f"{section}: not a section of this measure's plan",
                    )
                return Pair(item, found_section, a, j, sections[found_section], areas[a])
    raise ReviewError(404, f"{measure}: 取組が見つかりません。", f"{measure}: no such measure")


def link_status(pair: Pair, curation: Curation) -> tuple[str, str | None]:
    """("accepted" | "candidate" | "none", method) of the pair as the linker reads it now."""
    links = link_plan(pair.item.plan, curation, ward=pair.ward, fiscal_year=pair.fiscal_year)
    ref = Ref.of_measure(pair.area, pair.measure)
    for c in links.contributions:
        if c.section == pair.section and c.measure_ref == ref:
            return ("accepted" if c.accepted else "candidate"), c.method
    return "none", None


def current_decision(pair: Pair, curation: Curation) -> Decision | None:
    """The last override entry of the file about this pair, as the linker applies them."""
    found = [o for o in curation.overrides if pair.matches(o)]
    return decision_of(found[-1]) if found else None


def _check(decision: str, note: str) -> str:
    if decision not in DECISIONS:
        raise ReviewError(
            400, "decision は accept・reject・add のいずれかです。",
            f"decision must be one of {', '.join(DECISIONS)}",
        )  # fmt: skip
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ReviewError(400, "理由（note）を書いてください。", "a note saying why is required")
    if len(note) > MAX_NOTE_CHARS:
        raise ReviewError(
            400,
            f"理由は {MAX_NOTE_CHARS} 字までです。",
            f"the note is over {MAX_NOTE_CHARS} characters",
        )
    return note


FITS = {"accept": "candidate", "reject": "accepted", "add": "none"}
WHY_NOT = {
    "accept": ("候補ではないので採用できません", "only a candidate can be accepted"),
    "reject": (
        "採用されたリンクではないので却下できません",
        "only an accepted link can be rejected",
    ),
    "add": ("すでにリンクか候補があるので追加できません", "there is already a link or a candidate"),
}


def decide(
    settings: Settings,
    store: GraphStore,
    account: Account,
    section_iri: str,
    measure_iri: str,
    decision: str,
    note: str,
    replaces: str | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check, write down and apply one decision; the answer the API returns (see module doc)."""
    note = _check(decision, note)
    path = settings.curation / OVERRIDES_FILE
    with review_lock(settings):
        curation = load_curation(settings.curation)
        plans = read_sources(settings.sources, curation)
        pair = find_pair(settings, plans, curation, section_iri, measure_iri)
        earlier = current_decision(pair, curation)
        if earlier is not None and replaces != earlier.version:
            raise ReviewError(
                409,
                "このリンクには先の判断があります。置き換えるなら replaces を付けます。",
                "this link was decided before: pass its version as `replaces` to overrule it",
                {"decision": earlier.as_json()},
            )
        status, _ = link_status(pair, curation)
        if FITS[decision] != status:
            ja, en = WHY_NOT[decision]
            raise ReviewError(409, f"{ja}（現在: {status}）。", f"{en} (it is {status})")
        decided = (now or datetime.now(JAPAN)).astimezone(JAPAN).replace(microsecond=0)
        entry: dict[str, Any] = {
            "ward": pair.ward,
            "fiscal_year": pair.fiscal_year,
            "section": pair.section_name,
            "measure": pair.measure_title,
            "note": note,
            "decision": decision,
            "was": status,
            "reviewer": account.display_name,
            "decided": decided,
        }
        if earlier is not None and earlier.reviewer and earlier.decided:
            entry["replaces"] = {
                "decision": earlier.decision,
                "reviewer": earlier.reviewer,
                "decided": datetime.fromisoformat(earlier.decided),
                "note": earlier.note,
                "was": earlier.was,
            }
        with undone_on_failure(path):
            head, entries = read_entries(path)
            for action in entries:
                entries[action] = [e for e in entries[action] if not pair.matches(e)]
            entries["reject" if decision == "reject" else "add"].append(entry)
            write_entries(path, head, entries)
            after = load_curation(settings.curation)
            new_status, method = link_status(pair, after)
            if new_status != ("none" if decision == "reject" else "accepted"):
                raise ReviewError(
                    409,
                    f"ファイルの別の記述（全年度向けの [[add]]/[[reject]]）が優先されます: {path}",
                    f"an entry for every plan in {path} overrides this decision: edit it by hand",
                )
            effect = take_effect(settings, store, plans)
        made = current_decision(pair, after)
    audit.info(
        "review decision=%s account=%s section=%s measure=%s was=%s replaced=%s",
        decision, account.name, section_iri, measure_iri, status, bool(earlier),
    )  # fmt: skip
    iris = Iris(settings.base)
    plan_node = functools.partial(iris.in_plan, pair.ward, pair.fiscal_year)
    return {
        "section": section_iri,
        "measure": measure_iri,
        "decision": made.as_json() if made else None,
        "link": {
            "status": new_status,
            "method": method,
            "contribution": iris.in_plan(
                pair.ward, pair.fiscal_year, f"contribution/{pair.path()}"
            ).value,
            "activity": plan_node(f"decision/{pair.path()}").value,
        },
        "replaced": earlier.as_json() if earlier else None,
        "seconds": round(effect.seconds, 3),
    }


__all__ = ["DECISIONS", "Decision", "NotFromSources", "ReviewError", "decide"]
