"""Which section works on which measure, and who and what each place names.

The document lists measures by focus area and sections by their goal
paragraphs, never the two together. Links are read three ways, strongest
first:

1. explicit mention: a measure's or an action's text names the section
   (…戸籍課・保険年金課の窓口…);
2. shared topics and terms: the section's goal paragraph and the measure
   (with its actions) share topics of the curated scheme or specific words.
   Each shared item weighs its inverse document frequency over the plan's
   paragraphs, so words every paragraph uses (地域, 支援, 推進) weigh nothing
   and administrative verbs are never counted. A pair scoring at least
   `ACCEPT_SCORE` is accepted; one at `CANDIDATE_SCORE` stays a candidate;
3. curated overrides (data/curation/link-overrides.toml), which win.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from minami_kg.curation import Curation, LinkOverride, label_key
from minami_kg.extract.model import Plan
from minami_kg.link.model import Contribution, Evidence, Mention, PlanLinks, Quote, Ref
from minami_kg.link.places import (
    Place,
    find_all,
    measure_places,
    quote,
    section_places,
)
from minami_kg.text import DocumentFrequency, compounds, normalize, terms

ACCEPT_SCORE = 3.9
CANDIDATE_SCORE = 2.0
MAX_SHARE = 0.15  # a word in more than this share of paragraphs is too common to link on
TOPIC_WEIGHT = 1.5  # a curated topic counts more than a word with the same frequency
MAX_EVIDENCE = 3

# Words of administrative prose that say how, not what: never a reason for a link.
GENERIC_FORMS = frozenset(
    """
    推進 実施 支援 向上 取組 取り組む 充実 強化 促進 開催 確保 提供 図る 進める 行う 目指す
    地域 区民 職員 区役所 南区 連携 活用 事業 業務 適切 適正 丁寧 正確 迅速 様々 多様
    必要 対応 努める 心掛ける 大切 一人 一人ひとり 皆様 皆さま 関係 各種 全体 能力 実現
    引き続き 体制 機能 情報 施策 運営 管理 推進員 活動 安心 安全 留意 拡大 団体 場合
    取り組み 整備 取り扱い 環境 徹底 状況
    """.split()
)


@dataclass(frozen=True)
class _Features:
    """What one place says: its words and topics, each with its first span."""

    place: Place
    forms: dict[str, tuple[int, int]]
    topics: dict[str, tuple[int, int]]


def _features(place: Place, topic_words: dict[str, str], broader: dict[str, str]) -> _Features:
    found = terms(place.text)
    forms: dict[str, tuple[int, int]] = {}
    for term in [*found, *compounds(found)]:
        if term.is_noun and len(term.form) > 1:  # one kanji (会, 時, 区) names nothing alone
            forms.setdefault(term.form, (term.start, term.end))
    topics: dict[str, tuple[int, int]] = {}
    for start, end, slug in find_all(place.text, topic_words):
        topics.setdefault(slug, (start, end))
        if slug in broader:  # a text about 防災拠点 is about 防災 too
            topics.setdefault(broader[slug], (start, end))
    return _Features(place, forms, topics)


def _topic_words(curation: Curation) -> dict[str, str]:
    return {
        word: topic.slug
        for topic in curation.topics
        for word in (topic.ja, *topic.alt_ja, *topic.match)
        if word
    }


def link_plan(
    plan: Plan, curation: Curation, *, ward: str | None = None, fiscal_year: int | None = None
) -> PlanLinks:
    """All links of one plan; `ward` and `fiscal_year` select the overrides that apply."""
    topic_words = _topic_words(curation)
    broader = {t.slug: t.broader for t in curation.topics if t.broader}
    sections = [_features(p, topic_words, broader) for p in section_places(plan)]
    measures = {
        ref: [_features(p, topic_words, broader) for p in places]
        for ref, places in measure_places(plan).items()
    }
    df = _document_frequency(plan, sections, measures, topic_words)

    found: dict[tuple[int, Ref], Contribution] = {}
    for contribution in _explicit_mentions(plan, measures):
        found.setdefault((contribution.section, contribution.measure_ref), contribution)
    for contribution in _shared(sections, measures, df, curation):
        found.setdefault((contribution.section, contribution.measure_ref), contribution)
    _apply_overrides(found, plan, sections, measures, curation, ward, fiscal_year)

    every_place = [*sections, *(f for unit in measures.values() for f in unit)]
    return PlanLinks(
        contributions=tuple(sorted(found.values(), key=_contribution_key)),
        partners=tuple(_mentions(every_place, _partner_words(curation))),
        topics=tuple(
            Mention(slug, quote(f.place, *span))
            for f in every_place
            for slug, span in f.topics.items()
        ),
        citations=tuple(_mentions(every_place, _cited_plan_words(curation))),
    )


def _contribution_key(c: Contribution) -> tuple:
    return (c.area, c.measure, c.section)


def _document_frequency(
    plan: Plan,
    sections: list[_Features],
    measures: dict[Ref, list[_Features]],
    topic_words: dict[str, str],
) -> DocumentFrequency:
    """Frequencies over every paragraph: goals, measures with actions, area texts."""
    paragraphs: list[set[str]] = []
    for feature in sections:
        paragraphs.append({*feature.forms, *(f"topic:{t}" for t in feature.topics)})
    for unit in measures.values():
        paragraphs.append({k for f in unit for k in (*f.forms, *(f"topic:{t}" for t in f.topics))})
    for area in plan.focus_areas:
        text = " ".join([area.description, *area.statements])
        if text.strip():
            found = terms(text)
            topics = {slug for _, _, slug in find_all(normalize(text), topic_words)}
            paragraphs.append(
                {
                    *(t.form for t in found),
                    *(t.form for t in compounds(found)),
                    *(f"topic:{t}" for t in topics),
                }
            )
    return DocumentFrequency(paragraphs)


_ASSIGNMENT = re.compile(r"[(（【\[]?\s*(?:担当|所管)[^)）】\]]*[)）】\]]?")


def _assigned(plan: Plan) -> Iterable[Contribution]:
    """Links the document states: a 担当 annotation or a 担当課 column names the sections.

    The evidence on the measure's side is the annotation as written on its line.
    """
    names = {entry.name: i for i, entry in enumerate(plan.sections)}
    for area_no, area in enumerate(plan.focus_areas):
        for measure_no, measure in enumerate(area.measures):
            if not measure.sections:
                continue
            written = _ASSIGNMENT.search(measure.source.text)
            exact = written.group(0).strip() if written else "、".join(measure.sections)
            measure_side = Quote(
                ref=Ref.of_measure(area_no, measure_no),
                exact=exact,
                prefix=measure.title,
                suffix="",
                line=measure.source.first_line,
            )
            for name in measure.sections:
                section = names.get(name)
                if section is not None:  # else the reading warns of a 担当 with no goal
                    yield _explicit(
                        plan, section, Ref.of_measure(area_no, measure_no), measure_side
                    )


def _explicit(plan: Plan, section: int, measure: Ref, measure_side: Quote) -> Contribution:
    """An accepted link the text states, quoting the section's name and the measure's words."""
    entry = plan.sections[section]
    name_side = Quote(
        ref=Ref.of_section(section),
        exact=entry.name,
        prefix="",
        suffix="",
        line=entry.source.first_line,
    )
    return Contribution(
        section=section,
        area=measure.area,
        measure=measure.measure,
        method="explicit-mention",
        score=1.0,
        accepted=True,
        evidence=(Evidence(entry.name, name_side, measure_side),),
    )


def _explicit_mentions(plan: Plan, measures: dict[Ref, list[_Features]]) -> Iterable[Contribution]:
    yield from _assigned(plan)
    names = {entry.name: str(i) for i, entry in enumerate(plan.sections)}
    for ref, unit in measures.items():
        seen: set[int] = set()
        for feature in unit:
            for start, end, index in find_all(feature.place.text, names):
                section = int(index)
                if section in seen:
                    continue
                seen.add(section)
                yield _explicit(plan, section, ref, quote(feature.place, start, end))


@dataclass(frozen=True)
class _Shared:
    """One thing a section's goal and a measure both say, and its weight."""

    weight: float
    basis: str  # the word, or the topic's name
    section_span: tuple[int, int]
    holder: _Features  # the measure's title or the action that says it
    measure_span: tuple[int, int]


def _shared(
    sections: list[_Features],
    measures: dict[Ref, list[_Features]],
    df: DocumentFrequency,
    curation: Curation,
) -> Iterable[Contribution]:
    for section_no, section in enumerate(sections):
        for ref, unit in measures.items():
            shared = _shared_items(section, unit, df, curation)
            score = round(sum(item.weight for item in shared), 3)
            if score < CANDIDATE_SCORE:
                continue
            evidence = tuple(
                Evidence(
                    item.basis,
                    quote(section.place, *item.section_span),
                    quote(item.holder.place, *item.measure_span),
                )
                for item in shared[:MAX_EVIDENCE]
            )
            yield Contribution(
                section=section_no,
                area=ref.area,
                measure=ref.measure,
                method="shared-topic",
                score=score,
                accepted=score >= ACCEPT_SCORE,
                evidence=evidence,
            )


def _shared_items(
    section: _Features, unit: list[_Features], df: DocumentFrequency, curation: Curation
) -> list[_Shared]:
    """What a section and a measure share, heaviest first.

    Each stretch of text counts once: a topic and its broader topic found on
    the same words count as the heavier one; the words of a shared topic are
    not counted again as words; and words inside a shared longer word are not
    counted again (滞納整理 counts, not also 滞納 and 整理).
    """
    by_span: dict[tuple[int, int], _Shared] = {}
    topic_words: list[str] = []
    for topic in curation.topics:
        span = section.topics.get(topic.slug)
        holder = next((f for f in unit if topic.slug in f.topics), None)
        key = f"topic:{topic.slug}"
        if span is None or holder is None or not topic.linking or df.share(key) > 2 * MAX_SHARE:
            continue
        item = _Shared(
            TOPIC_WEIGHT * df.idf(key), topic.ja, span, holder, holder.topics[topic.slug]
        )
        if span not in by_span or item.weight > by_span[span].weight:
            by_span[span] = item
        topic_words += [normalize(w) for w in (topic.ja, *topic.alt_ja, *topic.match)]
    items = list(by_span.values())

    shared_forms = [
        form
        for form in section.forms
        if form not in GENERIC_FORMS
        and df.share(form) <= MAX_SHARE
        and any(form in f.forms for f in unit)
    ]
    for form in shared_forms:
        start, end = section.forms[form]
        if (
            any(form != other and form in other for other in shared_forms)
            or any(form in word for word in topic_words)
            or any(start < e and s < end for s, e in by_span)
        ):
            continue
        holder = next(f for f in unit if form in f.forms)
        items.append(_Shared(df.idf(form), form, (start, end), holder, holder.forms[form]))
    return sorted(items, key=lambda item: (-item.weight, item.basis))


def _apply_overrides(
    found: dict[tuple[int, Ref], Contribution],
    plan: Plan,
    sections: list[_Features],
    measures: dict[Ref, list[_Features]],
    curation: Curation,
    ward: str | None,
    fiscal_year: int | None,
) -> None:
    section_index = {label_key(e.name): i for i, e in enumerate(plan.sections)}
    measure_index = {
        label_key(m.title): Ref.of_measure(a, j)
        for a, area in enumerate(plan.focus_areas)
        for j, m in enumerate(area.measures)
    }
    for override in curation.overrides:
        if not _applies(override, ward, fiscal_year):
            continue
        section = section_index.get(label_key(override.section))
        ref = measure_index.get(label_key(override.measure))
        if section is None or ref is None:
            continue
        key = (section, ref)
        if override.action == "reject":
            found.pop(key, None)
            continue
        previous = found.get(key)
        unit = measures[ref]
        evidence = (
            previous.evidence
            if previous
            else (
                Evidence(
                    override.note,
                    quote(sections[section].place, 0, len(sections[section].place.text)),
                    quote(unit[0].place, 0, len(unit[0].place.text)),
                ),
            )
        )
        found[key] = Contribution(
            section=section,
            area=ref.area,
            measure=ref.measure,
            method="curated",
            score=1.0,
            accepted=True,
            evidence=evidence,
            note=override.note,
        )


def _applies(override: LinkOverride, ward: str | None, fiscal_year: int | None) -> bool:
    return (override.ward is None or override.ward == ward) and (
        override.fiscal_year is None or override.fiscal_year == fiscal_year
    )


def _partner_words(curation: Curation) -> dict[str, str]:
    return {w: p.slug for p in curation.partners for w in (p.ja, *p.aliases) if w}


def _cited_plan_words(curation: Curation) -> dict[str, str]:
    return {w: p.slug for p in curation.cited_plans for w in (p.ja, *p.aliases) if w}


def _mentions(places: list[_Features], words: dict[str, str]) -> Iterable[Mention]:
    for feature in places:
        seen: set[str] = set()
        for start, end, slug in find_all(feature.place.text, words):
            if slug not in seen:
                seen.add(slug)
                yield Mention(slug, quote(feature.place, start, end))
