"""Tests for minami_kg.extract: decoding, normalisation, titles and the parser."""

from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest

from minami_kg.extract import PlanError, decode, parse_plan, parse_title, read_plan
from minami_kg.extract.measures import split_flags
from minami_kg.extract.model import AreaKind, Plan
from minami_kg.extract.normalize import (
    fold_width,
    is_page_marker,
    is_rule_line,
    join_lines,
    normalize_text,
    strip_page_marker,
)
from minami_kg.extract.sections import split_section_name

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data/sources/minami/2022/minami-r4-unei-hoshin.txt"
FIX = Path(__file__).resolve().parent / "fixtures"


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("区制 80 周年", "区制80周年"),
        ("第 4 期", "第4期"),
        ("ICT の活用", "ICTの活用"),
        ("New York", "New York"),
        ("令和６年度　港北区", "令和6年度港北区"),
        ("南 区 運 営 方 針", "南区運営方針"),
        ("ＩＣＴ講習会", "ICT講習会"),
        ("～地域～", "〜地域〜"),
        ("〜地域〜", "〜地域〜"),
        ("区の花「さくら」、まつり。", "区の花「さくら」、まつり。"),
        ("安全･安心", "安全・安心"),
        ("ｶﾞｲﾄﾞ", "ガイド"),
        ("  前後の空白  ", "前後の空白"),
        ("電話 : 045-341-1232", "電話 : 045-341-1232"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_fold_keeps_structure_characters() -> None:
    assert fold_width("①「」、。・") == "①「」、。・"
    assert fold_width("Ⅱ") == "II"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（1/2）", True),
        ("(2/2)", True),
        ("- 2 -", True),
        ("－２－", True),
        ("2 / 5", True),
        ("- 全ての職員が区民の立場に寄り添います。", False),
        ("1 安全・安心なまちづくり", False),
        ("減災", False),
    ],
)
def test_page_marker(line: str, expected: bool) -> None:
    assert is_page_marker(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("---------------------------\t---", True),
        ("━━━━", True),
        ("- 交通安全", False),
        ("--", False),
    ],
)
def test_rule_line(line: str, expected: bool) -> None:
    assert is_rule_line(line) is expected


def test_strip_page_marker() -> None:
    assert strip_page_marker("各職場の取組目標（1/2）") == "各職場の取組目標"


def test_join_lines_is_conservative() -> None:
    lines = [
        "介護予防や健康づくりの取組を地域の皆さまと一緒に進め、高齢の方が",
        "住み慣れた地域で暮らせるよう支援します。",
        "",
        "減災",
        "大地震、台風などの被害軽減に向けて取り組みます。",
        "- 2 -",
        "続きの行です。",
        "● 防災・減災意識の向上を進めるための取組として",
        "● 自助・共助対策の支援",
    ]
    assert join_lines(lines) == [
        "介護予防や健康づくりの取組を地域の皆さまと一緒に進め、高齢の方が"
        "住み慣れた地域で暮らせるよう支援します。",
        "",
        "減災",
        "大地震、台風などの被害軽減に向けて取り組みます。",
        "",
        "続きの行です。",
        "● 防災・減災意識の向上を進めるための取組として",
        "● 自助・共助対策の支援",
    ]


@pytest.mark.parametrize(
    ("raw", "text", "flags"),
    [
        ("風水害への備え（新規）", "風水害への備え", ("新規",)),
        ("【新規】相談窓口の開設", "相談窓口の開設", ("新規",)),
        ("ICT を活用した相談 NEW", "ICTを活用した相談", ("NEW",)),
        ("啓発の充実(拡充)【重点】", "啓発の充実", ("拡充", "重点")),
        ("NEWS の発行", "NEWSの発行", ()),
    ],
)
def test_split_flags(raw: str, text: str, flags: tuple[str, ...]) -> None:
    assert split_flags(fold_width(raw)) == (text, flags)


@pytest.mark.parametrize(
    ("raw", "name", "sites"),
    [
        ("市立保育園 しろばら、永田、 井土ヶ谷", "市立保育園", ("しろばら", "永田", "井土ヶ谷")),
        ("市立保育園（菊名・日吉）", "市立保育園", ("菊名", "日吉")),
        ("総務課", "総務課", ()),
        ("総 務 課", "総務課", ()),
    ],
)
def test_split_section_name(raw: str, name: str, sites: tuple[str, ...]) -> None:
    assert split_section_name(raw) == (name, sites)


# ---------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("令和4年度 南区運営方針", ("南区", 2022)),
        ("令和６年度　港北区運営方針", ("港北区", 2024)),
        ("令和元年度 西区運営方針", ("西区", 2019)),
        ("平成30年度 中区運営方針", ("中区", 2018)),
        ("平成31年度 中区運営方針", ("中区", 2019)),
        ("2023年度 鶴見区運営方針", ("鶴見区", 2023)),
        ("令和4年度 横浜市南区運営方針", ("南区", 2022)),
        ("令和 4 年度 南 区 運 営 方 針", ("南区", 2022)),
        ("南区運営方針", None),
        ("令和4年度 南区運営方針について説明します。", None),
        ("令和4年度 予算案", None),
        ("", None),
    ],
)
def test_parse_title(line: str, expected: tuple[str, int] | None) -> None:
    assert parse_title(line) == expected


# ---------------------------------------------------------------- decoding


JA = "令和4年度 南区運営方針\r\n区民の皆さまとの協働\r"


@pytest.mark.parametrize(
    "data",
    [
        JA.encode("utf-8"),
        codecs.BOM_UTF8 + JA.encode("utf-8"),
        codecs.BOM_UTF16_LE + JA.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + JA.encode("utf-16-be"),
        JA.encode("cp932"),
        JA.encode("shift_jis"),
    ],
)
def test_decode_encodings(data: bytes) -> None:
    assert decode(data) == "令和4年度 南区運営方針\n区民の皆さまとの協働\n"


def test_decode_short_cp932() -> None:
    assert decode("減災".encode("cp932")) == "減災"


def test_decode_forced_encoding() -> None:
    assert decode("南区".encode("euc_jp"), encoding="euc-jp") == "南区"
    assert decode(codecs.BOM_UTF8 + b"abc", encoding="utf-8") == "abc"


@pytest.mark.parametrize(
    ("data", "kwargs", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {}, "binary data"),
        (b"abc\x00def", {}, "binary data"),
        (bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 10, {}, "binary data"),
        (b"abc", {"encoding": "no-such-codec"}, "unknown encoding"),
        ("南区".encode("cp932"), {"encoding": "utf-8"}, "cannot decode"),
    ],
)
def test_decode_errors(data: bytes, kwargs: dict[str, str], fragment: str) -> None:
    with pytest.raises(PlanError) as info:
        decode(data, filename="x.txt", **kwargs)
    assert fragment in str(info.value)
    assert str(info.value).startswith("x.txt:")
    assert "\n" not in str(info.value)


def test_plan_error_format() -> None:
    assert str(PlanError("bad", line=3, filename="a.txt")) == "a.txt:3: bad"
    assert str(PlanError("bad", filename="a.txt")) == "a.txt: bad"
    assert str(PlanError("bad", line=3)) == "3: bad"
    assert str(PlanError("bad")) == "bad"
    err = PlanError("two\nlines", line=1)
    assert err.message == "two lines" and err.line == 1 and err.filename is None
    assert isinstance(err, ValueError)


# ---------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed() -> Plan:
    return read_plan(SEED)


def test_seed_title(seed: Plan) -> None:
    assert (seed.title, seed.ward_name, seed.fiscal_year) == (
        "令和4年度 南区運営方針",
        "南区",
        2022,
    )
    assert seed.source.lines == (3,)
    assert seed.source.text == "令和4年度 南区運営方針"
    assert seed.city_name is None


def test_seed_basic_goal(seed: Plan) -> None:
    goal = seed.basic_goal
    assert goal is not None
    assert goal.slogan == "区民の皆さまとの協働のもとで「あつたかい」南区をつくります"
    assert goal.source.lines == (7, 11)
    assert goal.subtitle is None
    assert goal.statements == ()


def test_seed_areas(seed: Plan) -> None:
    areas = seed.focus_areas
    assert [a.name for a in areas] == [
        "減災",
        "賑わい",
        "健やか",
        "子ども",
        "地域の力",
        "着実に取り組む事業・業務",
    ]
    assert [a.name for a in areas if a.is_priority] == ["減災", "賑わい", "健やか", "子ども"]
    # the text never says 地域の力 underpins the rest (土台, 基盤): Minami's curation does
    # (data/curation/slugs.toml, [area-kind.minami]), where the graph is made
    assert [a.kind for a in areas] == [AreaKind.FOCUS] * 5 + [AreaKind.CATCH_ALL]
    assert [len(a.measures) for a in areas] == [4, 4, 6, 6, 6, 10]
    assert len(areas[5].statements) == 3
    assert areas[5].statements[0].startswith("全ての職員が区民の立場に")
    assert areas[0].source.lines == (22,)
    assert areas[0].description.startswith("大地震、台風などの被害軽減")
    assert areas[0].description_source is not None and areas[0].description_source.lines == (24,)
    assert seed.policy_intro.startswith("南区の特徴や課題を踏まえ")
    assert "区制80周年" in seed.policy_intro


def test_seed_measures(seed: Plan) -> None:
    assert len(seed.measures) == 36
    assert len(seed.actions) == 39
    first = seed.focus_areas[0].measures[0]
    assert first.title == "防災・減災意識の向上"
    assert first.source.lines == (64,)
    assert [a.text for a in first.actions] == ["出前講座、若年層への啓発の実施"]
    assert first.actions[0].source.lines == (64,)
    health = seed.focus_areas[2].measures[1]
    assert health.title == "健康づくりの推進"
    assert len(health.actions) == 2
    assert all("▶" not in a.text and "●" not in m.title for m in seed.measures for a in m.actions)


def test_seed_principles_and_notes(seed: Plan) -> None:
    assert [p.title for p in seed.principles] == [
        "区役所全体のチーム力を生かした運営",
        "様々な担い手との協働",
    ]
    assert seed.principles[0].source.lines == (52, 54)
    assert seed.organisation_intro.startswith("全ての仕事の土台となる")
    assert len(seed.notes) == 1 and seed.notes[0].startswith("※")


def test_seed_sections(seed: Plan) -> None:
    assert len(seed.sections) == 14
    first = seed.sections[0]
    assert first.name == "総務課"
    assert {118, 120} <= set(first.source.lines)
    nursery = next(s for s in seed.sections if s.name == "市立保育園")
    assert nursery.sites == ("しろばら", "永田", "井土ヶ谷")
    assert nursery.goal.startswith("子どもたちが心豊かに")
    assert nursery.source.lines == (158,)
    assert seed.sections[-1].name == "南土木事務所"
    assert "区制80周年" in seed.sections[1].goal


def test_seed_contact(seed: Plan) -> None:
    contact = seed.contact
    assert contact is not None
    assert contact.telephone == "045-341-1232"
    assert contact.fax == "045-341-1240"
    assert contact.office.startswith("南区区政推進課企画調整係")
    assert contact.source.lines[0] == 173


def test_seed_sources_are_verbatim(seed: Plan) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    elements = [
        seed,
        *seed.focus_areas,
        *seed.measures,
        *seed.actions,
        *seed.principles,
        *seed.sections,
    ]
    for element in elements:
        src = element.source
        assert src.text == "\n".join(lines[n - 1] for n in src.lines)


# ---------------------------------------------------------------- fixtures


def test_kohoku() -> None:
    plan = read_plan(FIX / "plans" / "kohoku-r6.txt")
    assert (plan.title, plan.ward_name, plan.fiscal_year) == (
        "令和6年度 港北区運営方針",
        "港北区",
        2024,
    )
    goal = plan.basic_goal
    assert goal is not None
    assert goal.slogan == "ともにつくる笑顔あふれる住みたい・住み続けたいまち港北"
    assert goal.subtitle == "人と人とがつながり、支え合う港北区"
    assert len(goal.statements) == 2
    areas = plan.focus_areas
    assert [a.number for a in areas] == [1, 2, 3, 4]
    assert areas[0].name == "安全・安心なまちづくり"
    assert [a.is_priority for a in areas] == [True, True, False, False]
    assert areas[3].kind is AreaKind.FOUNDATION
    assert [len(a.measures) for a in areas] == [3, 3, 2, 2]
    assert len(plan.measures) == 10 and len(plan.actions) == 14
    flood = areas[0].measures[1]
    assert (flood.title, flood.flags) == ("風水害への備え", ("新規",))
    assert areas[0].measures[2].actions[1].flags == ("拡充",)
    assert areas[2].description_source is not None
    assert areas[2].description_source.lines == (45, 46)
    assert "住み慣れた地域で" in areas[2].description
    assert [p.number for p in plan.principles] == [1, 2]
    assert len(plan.sections) == 7
    assert plan.sections[1].source.lines == (83, 85, 86)
    nursery = plan.sections[5]
    assert (nursery.name, nursery.sites) == ("市立保育園", ("菊名", "日吉"))
    assert plan.contact is not None
    assert plan.contact.telephone == "045-540-1234"
    assert plan.contact.fax == "045-540-1235"
    assert plan.contact.email == "ko-kikaku@example.jp"


def test_tsurumi_cp932_crlf() -> None:
    data = (FIX / "plans" / "tsurumi-r5-cp932.txt").read_bytes()
    assert b"\r\n" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    plan = read_plan(FIX / "plans" / "tsurumi-r5-cp932.txt")
    assert (plan.ward_name, plan.fiscal_year) == ("鶴見区", 2023)
    assert plan.basic_goal is not None
    assert plan.basic_goal.slogan == "多様な人々が集い、つながる活力あふれるまち鶴見"
    areas = plan.focus_areas
    assert [a.number for a in areas] == [1, 2, 3, 4]
    assert [a.is_priority for a in areas] == [True, True, False, False]
    assert areas[3].kind is AreaKind.CATCH_ALL and len(areas[3].statements) == 2
    assert [len(a.measures) for a in areas] == [2, 2, 2, 2]
    assert len(plan.actions) == 10
    assert areas[0].measures[0].actions[1].flags == ("新規",)
    assert areas[0].measures[0].source.lines == (42,)
    assert len(plan.principles) == 1
    assert [s.name for s in plan.sections] == ["総務課", "戸籍課", "鶴見土木事務所"]
    assert plan.contact is not None
    assert (plan.contact.telephone, plan.contact.fax) == ("045-510-0000", "045-510-0001")
    assert "区制100周年" in plan.policy_intro


def test_kanagawa_utf16() -> None:
    assert (FIX / "plans" / "kanagawa-r3-utf16.txt").read_bytes().startswith(codecs.BOM_UTF16_LE)
    plan = read_plan(FIX / "plans" / "kanagawa-r3-utf16.txt")
    assert (plan.ward_name, plan.fiscal_year) == ("神奈川区", 2021)
    areas = plan.focus_areas
    assert [a.name for a in areas] == [
        "地域の防災力の向上",
        "健やかな暮らしの支援",
        "区の魅力づくり",
    ]
    assert [len(a.measures) for a in areas] == [2, 2, 2]
    assert len(plan.actions) == 9
    assert [a.text for a in areas[1].measures[0].actions] == [
        "健康講座の開催",
        "歩く習慣づくりの応援",
        "食育の啓発",
    ]
    ict = areas[1].measures[1]
    assert (ict.title, ict.flags) == ("ICTを活用した相談", ("NEW",))
    assert len(plan.principles) == 2
    assert [s.name for s in plan.sections] == ["総務課", "地域振興課", "税務課"]
    assert plan.contact is not None and plan.contact.email == "kg-kusei@example.jp"


def test_naka_utf8_bom_heisei() -> None:
    plan = read_plan(FIX / "plans" / "naka-h30-utf8bom.txt")
    assert (plan.city_name, plan.ward_name, plan.fiscal_year) == ("横浜市", "中区", 2018)
    assert plan.title == "平成30年度 横浜市中区運営方針"
    assert plan.basic_goal is not None
    assert plan.basic_goal.subtitle == "にぎわいと安らぎが調和するまち"
    areas = plan.focus_areas
    assert [a.is_priority for a in areas] == [True, True, False]
    assert [len(a.measures) for a in areas] == [2, 1, 1]
    assert len(plan.actions) == 5
    assert plan.principles == ()
    assert plan.organisation_intro.startswith("区民の皆さまの視点に立ち")


def test_make_encoded_is_reproducible(tmp_path: Path) -> None:
    """The committed encoded fixtures are what make_encoded.py writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_encoded", FIX / "make_encoded.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for source, target, encoding, bom, newline in module.ENCODED:
        text = (FIX / "src" / source).read_text(encoding="utf-8")
        expected = bom + text.replace("\n", newline).encode(encoding)
        assert (FIX / "plans" / target).read_bytes() == expected


# ---------------------------------------------------------------- not plans


@pytest.mark.parametrize(
    ("name", "fragment", "line"),
    [
        ("bad-empty.txt", "empty document", None),
        ("bad-binary.png", "binary data", None),
        # a web page is read as one, and holds no plan
        ("bad-page.html", "no title line such as '令和4年度 南区運営方針' found", None),
        ("bad-prose.txt", "no title line such as '令和4年度 南区運営方針' found", None),
        ("bad-title-only.txt", "no part II heading", 1),
        ("bad-two-areas.txt", "no focus area with measures and no section goals", 7),
        ("bad-unmatched-list.txt", "measure list heading '環境' matches no focus area", 31),
    ],
)
def test_bad_inputs(name: str, fragment: str, line: int | None) -> None:
    path = FIX / "bad" / name
    with pytest.raises(PlanError) as info:
        read_plan(path)
    err = info.value
    assert fragment in err.message
    assert err.line == line
    assert err.filename == str(path)
    assert "\n" not in str(err)
    assert str(err).startswith(f"{path}:")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read file"):
        read_plan(tmp_path / "nope.txt")


def _odd_inputs() -> list[bytes]:
    rng = random.Random(4)
    return [
        os.urandom(0) + bytes(rng.randrange(256) for _ in range(2000)),
        bytes(rng.randrange(128, 256) for _ in range(300)),
        "令和4年度 南区運営方針".encode(),
        "I 基本目標\nII 目標達成に向けた施策\nIII 組織運営\n".encode(),
        "令和4年度 南区運営方針\n\nII 目標達成に向けた施策\n".encode(),
        "令和4年度 南区運営方針\nII 施策\n● 防災\n▶ 訓練\n".encode(),
        "令和4年度 南区運営方針\nII 施策\nA\nB\nC\nIII 組織運営\nX\n● 防災\n".encode(),
        b"\xef\xbb\xbf\n\n\n",
        "ただの一行".encode("utf-16"),
        b"<html><body>x</body></html>",
    ]


@pytest.mark.parametrize("data", _odd_inputs())
def test_odd_inputs_raise_only_plan_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    try:
        plan = read_plan(path)
    except PlanError as err:
        assert "\n" not in str(err)
    else:  # a tiny but well-formed plan is allowed through
        assert len(plan.focus_areas) <= 12 and (plan.measures or plan.sections)


def test_parse_plan_names_file() -> None:
    with pytest.raises(PlanError) as info:
        parse_plan("", filename="empty.txt")
    assert str(info.value) == "empty.txt: empty document"


def test_pdf_style_spacing_and_markers() -> None:
    text = "\n".join(
        [
            "令和 4 年度 南 区 運 営 方 針",
            "",
            "Ⅱ　目標達成に向けた施策",
            "",
            "区制 80 周年に向けて取り組みます。",
            "",
            "【1】減災",
            "",
            "大地震に備えます。",
            "",
            "- 2 -",
            "",
            "【2】賑わい",
            "",
            "まつりを開催します。",
            "",
            "【3】子ども（重点）",
            "",
            "子育てを支えます。",
            "",
            "Ⅲ　目標達成に向けた組織運営",
            "",
            "【減災】",
            "◆ 防災訓練（新規）",
            "・ 拠点での訓練",
            "・ 出前講座",
        ]
    )
    plan = parse_plan(text)
    assert plan.title == "令和4年度 南区運営方針"
    assert [a.name for a in plan.focus_areas] == ["減災", "賑わい", "子ども"]
    assert [a.is_priority for a in plan.focus_areas] == [False, False, True]
    measures = plan.focus_areas[0].measures
    assert [(m.title, m.flags, len(m.actions)) for m in measures] == [("防災訓練", ("新規",), 2)]
    assert plan.policy_intro == "区制80周年に向けて取り組みます。"


# ---------------------------------------------------------------- family variants


def _doc(*parts: str, head: str = "令和5年度 栄区運営方針") -> str:
    """A small plan: the title, then the given lines (each part may hold several)."""
    return "\n".join([head, "", *parts]) + "\n"


_GOAL = "I 基本目標\n\n人と人がつながる 住み続けたいまち 栄\n"
_PART2 = "II 目標達成に向けた施策\n\n栄区では、次の施策に取り組みます。\n"
_AREAS = (
    "1 安全・安心なまちづくり\n\n地域と連携して防災の取組を進めます。\n\n● 防災訓練の支援\n\n"
    "2 健やかな暮らしの支援\n\n健康づくりの取組を進めます。\n\n● 健康講座の開催\n\n"
    "3 区の魅力づくり\n\n区の魅力を発信します。\n\n● 区の魅力の発信\n"
)
_PART3 = "III 目標達成に向けた組織運営\n\n区民の皆さまに信頼される区役所を目指します。\n"


@pytest.mark.parametrize(
    ("one", "two", "three"),
    [
        ("T", "U", "V"),
        ("I", "II", "III"),
        ("Ⅰ", "Ⅱ", "Ⅲ"),
        ("Ｉ", "ＩＩ", "ＩＩＩ"),
    ],
)
def test_part_numeral_alone_on_a_line(one: str, two: str, three: str) -> None:
    text = _doc(
        f"{one}\n\n区の基本目標\n\n人と人がつながる 住み続けたいまち 栄\n",
        f"{two}\n目標達成に向けた施策\n\n栄区では、次の施策に取り組みます。\n",
        _AREAS,
        f"{three}\n\n目標達成に向けた組織運営\n\n区民の皆さまに信頼される区役所を目指します。\n",
        "1 チームで支え合う職場\n\n課を越えて情報を共有します。\n",
    )
    plan = parse_plan(text)
    assert plan.basic_goal is not None
    assert plan.basic_goal.slogan == "人と人がつながる住み続けたいまち栄"
    assert plan.policy_intro == "栄区では、次の施策に取り組みます。"
    assert [a.name for a in plan.focus_areas] == [
        "安全・安心なまちづくり",
        "健やかな暮らしの支援",
        "区の魅力づくり",
    ]
    assert plan.organisation_intro == "区民の皆さまに信頼される区役所を目指します。"
    assert [p.title for p in plan.principles] == ["チームで支え合う職場"]


def test_bare_t_u_v_without_a_title_open_no_part() -> None:
    text = _doc(_GOAL, _PART2, _AREAS, "V\n\n区民の皆さまに寄り添います。\n")
    plan = parse_plan(text)
    assert plan.organisation_intro == "" and plan.principles == ()


def test_measures_directly_under_area_descriptions() -> None:
    text = _doc(
        _GOAL,
        _PART2,
        "1 安全・安心なまちづくり\n\n地域と連携して防災の取組を進めます。\n\n"
        "● 防災訓練の支援\t▶ 拠点訓練の実施\n● 備蓄の啓発\t▶ 出前講座\n\n"
        "2 健やかな暮らしの支援\n\n健康づくりの取組を進めます。\n"
        "● 健康講座の開催\n▶ ウオーキング講座\n▶ 食育講座\n\n"
        "3 区の魅力づくり\n\n区の魅力を発信します。\n\n"
        "主な取組\n\n○ 区民まつりの開催\n→ 感染症対策に配慮した運営\n",
        _PART3,
    )
    plan = parse_plan(text)
    areas = plan.focus_areas
    assert [[m.title for m in a.measures] for a in areas] == [
        ["防災訓練の支援", "備蓄の啓発"],
        ["健康講座の開催"],
        ["区民まつりの開催"],
    ]
    assert [len(a.actions) for a in areas[1].measures] == [2]
    assert areas[0].description == "地域と連携して防災の取組を進めます。"
    assert areas[1].description == "健康づくりの取組を進めます。"
    assert areas[2].measures[0].actions[0].text == "感染症対策に配慮した運営"
    assert plan.principles == ()


def test_headless_measure_list_after_area_description_in_part3() -> None:
    """A list after part III with no heading follows the area it continues."""
    bare_areas = "\n".join(line for line in _AREAS.split("\n") if not line.startswith("●"))
    text = _doc(
        _GOAL,
        _PART2,
        bare_areas,
        _PART3,
        "安全・安心なまちづくり\n\n● 防災訓練の支援\n▶ 拠点訓練\n\n"
        "健やかな暮らしの支援\n\n● 健康講座\n▶ 食育講座\n\n● 介護予防の推進\n▶ 体操教室\n",
    )
    plan = parse_plan(text)
    assert [[m.title for m in a.measures] for a in plan.focus_areas] == [
        ["防災訓練の支援"],
        ["健康講座", "介護予防の推進"],
        [],
    ]


@pytest.mark.parametrize(
    ("line", "title", "actions"),
    [
        ("● 防災  拠点の運営", "防災拠点の運営", []),
        ("● 防災  拠点の運営  ▶ 訓練の実施", "防災拠点の運営", ["訓練の実施"]),
        ("● 防災拠点の運営\t訓練の実施", "防災拠点の運営", ["訓練の実施"]),
        (
            "● 防災拠点の運営   → 訓練の実施 → 備蓄の入替え",
            "防災拠点の運営",
            ["訓練の実施", "備蓄の入替え"],
        ),
        ("● 自宅→避難所の経路確認", "自宅→避難所の経路確認", []),
        ("● 経路の確認\t▶ 自宅→避難所の経路確認", "経路の確認", ["自宅→避難所の経路確認"]),
        ("● 経路の確認 ⇒ 避難訓練", "経路の確認", ["避難訓練"]),
    ],
)
def test_measure_line_spacing(line: str, title: str, actions: list[str]) -> None:
    text = _doc(
        _GOAL,
        _PART2,
        "1 安全・安心なまちづくり\n\n地域と連携して防災の取組を進めます。\n\n" + line + "\n\n",
        "2 健やかな暮らしの支援\n\n健康づくりの取組を進めます。\n\n"
        "3 区の魅力づくり\n\n区の魅力を発信します。\n",
    )
    (measure,) = parse_plan(text).focus_areas[0].measures
    assert measure.title == title
    assert [a.text for a in measure.actions] == actions


def test_action_line_with_wide_gap_is_one_action() -> None:
    text = _doc(
        _GOAL,
        _PART2,
        "1 安全・安心なまちづくり\n\n地域と連携して防災の取組を進めます。\n\n"
        "● 防災拠点の運営\n▶ 拠点  訓練の実施\n▶ 自宅→避難所の確認 ▶ 備蓄\n\n",
        "2 健やかな暮らしの支援\n\n健康づくりの取組を進めます。\n\n"
        "3 区の魅力づくり\n\n区の魅力を発信します。\n",
    )
    (measure,) = parse_plan(text).focus_areas[0].measures
    assert [a.text for a in measure.actions] == ["拠点訓練の実施", "自宅→避難所の確認", "備蓄"]


def test_sentences_wrapped_over_a_page_break() -> None:
    lines = [
        "令和5年度 栄区運営方針",  # 1
        "",
        "I 基本目標",
        "",
        "人と人がつながる 住み続けたいまち 栄",  # 5
        "",
        "II 目標達成に向けた施策",
        "",
        "栄区では、次の施策に取り組みます。",
        "",  # 10
        "1 安全・安心なまちづくり",
        "",
        "大地震や風水害に備え、自助・共助の意識を高めるとともに、関係機関と連携して地域防",
        "",
        "- 3 -",  # 15
        "",
        "災力の向上を図ります。",
        "",
        "● 地域防災拠点の機能強化と、訓練で使う資機材の計画的な",
        "- 4 -",  # 20
        "入替えの推進",
        "▶ 拠点訓練の支援",
        "",
        "2 健やかな暮らしの支援",
        "",  # 25
        "健康づくりの取組を進めます。",
        "",
        "3 区の魅力づくり",
        "",
        "区の魅力を発信します。",  # 30
        "",
        "各職場の取組目標",
        "",
        "総務課",
        "",  # 35
        "災害への備えを区役所全体で進めるとともに、適正な事務執行を支える組織運",
        "",
        "（1/2）",
        "",
        "営に取り組みます。",  # 40
        "",
        "区政推進課",
        "",
        "区の魅力を分かりやすく発信します。",
    ]
    plan = parse_plan("\n".join(lines))
    area = plan.focus_areas[0]
    assert area.description == (
        "大地震や風水害に備え、自助・共助の意識を高めるとともに、関係機関と連携して地域防災力の向上を図ります。"
    )
    assert area.description_source is not None
    assert area.description_source.lines == (13, 17)
    (measure,) = area.measures
    assert measure.title == "地域防災拠点の機能強化と、訓練で使う資機材の計画的な入替えの推進"
    assert measure.source.lines == (19, 21)
    assert measure.source.text == "\n".join(lines[18:21:2])
    assert [a.text for a in measure.actions] == ["拠点訓練の支援"]
    first, second = plan.sections
    assert first.name == "総務課"
    assert first.goal == (
        "災害への備えを区役所全体で進めるとともに、適正な事務執行を支える組織運営に取り組みます。"
    )
    assert first.source.lines == (34, 36, 40)
    assert second.name == "区政推進課"


def test_short_name_after_a_page_break_is_not_joined() -> None:
    text = _doc(
        _GOAL,
        _PART2,
        _AREAS,
        "各職場の取組目標\n\n総務課\n\n区役所全体の危機管理体制を点検し、訓練を重ねて対応力を高めます\n\n"
        "- 5 -\n\n戸籍課\n\n届出の事務を正確に行います。\n",
    )
    assert [s.name for s in parse_plan(text).sections] == ["総務課", "戸籍課"]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "総 務 課\n\n区役所の危機管理体制を強化します。\n",
            [("総務課", (), "区役所の危機管理体制を強化します。")],
        ),
        (
            "地域力推進担当\n\n地域の活動を支えます。\n\n"
            "福祉保健センター\n\n健康づくりを進めます。\n\n"
            "栄土木事務所\n\n道路を点検します。\n\n区会計室\n\n出納事務を行います。\n",
            [
                ("地域力推進担当", (), "地域の活動を支えます。"),
                ("福祉保健センター", (), "健康づくりを進めます。"),
                ("栄土木事務所", (), "道路を点検します。"),
                ("区会計室", (), "出納事務を行います。"),
            ],
        ),
        (
            "市立保育園（しろばら・永田・井土ヶ谷）\n\n保育を行います。\n",
            [("市立保育園", ("しろばら", "永田", "井土ヶ谷"), "保育を行います。")],
        ),
        (
            "市立保育園 しろばら、永田、 井土ヶ谷\t保育を行います。\n",
            [("市立保育園", ("しろばら", "永田", "井土ヶ谷"), "保育を行います。")],
        ),
        (
            "総 務 課\t危機管理体制を強化します。\n区 政 推 進 課\t広報を進めます。\n",
            [
                ("総務課", (), "危機管理体制を強化します。"),
                ("区政推進課", (), "広報を進めます。"),
            ],
        ),
    ],
)
def test_section_entries(block: str, expected: list[tuple[str, tuple[str, ...], str]]) -> None:
    text = _doc(_GOAL, _PART2, _AREAS, "各職場の取組目標\n\n" + block)
    plan = parse_plan(text)
    assert [(s.name, s.sites, s.goal) for s in plan.sections] == expected


@pytest.mark.parametrize(
    ("block", "titles", "numbers"),
    [
        (
            "・区役所全体のチーム力を生かした運営\n\n課を越えて連携します。\n\n"
            "・様々な担い手との協働\n\n地域の皆さまと連携します。\n",
            ["区役所全体のチーム力を生かした運営", "様々な担い手との協働"],
            [None, None],
        ),
        (
            "1 区民目線の丁寧な対応\n\n丁寧に説明します。\n\n2 学び合う職場\n\n互いに学びます。\n",
            ["区民目線の丁寧な対応", "学び合う職場"],
            [1, 2],
        ),
        (
            "(1) 区民目線の丁寧な対応\n丁寧に説明します。\n(2) 学び合う職場\n互いに学びます。\n",
            ["区民目線の丁寧な対応", "学び合う職場"],
            [1, 2],
        ),
        (
            "①区民目線の丁寧な対応\n\n丁寧に説明します。\n\n②学び合う職場\n\n互いに学びます。\n",
            ["区民目線の丁寧な対応", "学び合う職場"],
            [1, 2],
        ),
    ],
)
def test_principles(block: str, titles: list[str], numbers: list[int | None]) -> None:
    plan = parse_plan(_doc(_GOAL, _PART2, _AREAS, _PART3, block))
    assert [p.title for p in plan.principles] == titles
    assert [p.number for p in plan.principles] == numbers
    assert plan.principles[0].text in ("課を越えて連携します。", "丁寧に説明します。")
    assert plan.organisation_intro == "区民の皆さまに信頼される区役所を目指します。"
    assert len(plan.focus_areas) == 3


@pytest.mark.parametrize(
    ("block", "office", "tel", "fax", "mail"),
    [
        (
            "〈お問合せ先〉\n栄区区政推進課\nTEL 045-894-8335\n",
            "栄区区政推進課",
            "045-894-8335",
            None,
            None,
        ),
        (
            "問合せ先\n\n栄区総務部区政推進課企画調整係\n\n電話：045-894-8335（直通）\n\n"
            "ＦＡＸ　０４５－８９５－２２６０\n",
            "栄区総務部区政推進課企画調整係",
            "045-894-8335",
            "045-895-2260",
            None,
        ),
        (
            "お問い合わせ\n栄区区政推進課\n電話 045-894-8335 FAX 045-895-2260\n"
            "E-mail: sa-kusei@example.jp\n",
            "栄区区政推進課",
            "045-894-8335",
            "045-895-2260",
            "sa-kusei@example.jp",
        ),
        (
            "【お問い合わせ先】\n栄区区政推進課\nTEL：045-894-8335　FAX：045-895-2260\n",
            "栄区区政推進課",
            "045-894-8335",
            "045-895-2260",
            None,
        ),
    ],
)
def test_contact_variants(
    block: str, office: str, tel: str | None, fax: str | None, mail: str | None
) -> None:
    plan = parse_plan(_doc(_GOAL, _PART2, _AREAS, _PART3, block))
    contact = plan.contact
    assert contact is not None
    assert (contact.office, contact.telephone, contact.fax, contact.email) == (
        office,
        tel,
        fax,
        mail,
    )


def test_thirteen_focus_areas_is_not_a_plan() -> None:
    areas = "".join(f"{n} 施策その{n}\n\n● 取組{n}\n\n" for n in range(1, 14))
    with pytest.raises(PlanError) as info:
        parse_plan(_doc(_GOAL, _PART2, areas, _PART3), filename="many.txt")
    err = info.value
    assert err.message == "found 13 focus areas; a plan has at most 12"
    assert err.line == 7  # the part II heading
    assert str(err) == "many.txt:7: found 13 focus areas; a plan has at most 12"


def test_two_pillars_with_measures_are_a_plan() -> None:
    areas = "".join(f"{n} 施策その{n}\n\n● 取組{n}\t▶ 行動{n}\n\n" for n in range(1, 3))
    plan = parse_plan(_doc(_GOAL, _PART2, areas, _PART3))
    assert [a.name for a in plan.focus_areas] == ["施策その1", "施策その2"]
    assert [len(a.measures) for a in plan.focus_areas] == [1, 1]


@pytest.mark.parametrize(
    "block",
    [
        "・防災訓練の支援\n→ 拠点訓練\n・備蓄の啓発\n→ 出前講座\n",
        "・防災訓練の支援\t▶ 拠点訓練\n・備蓄の啓発\t▶ 出前講座\n",
        "◇ 防災訓練の支援\n・拠点訓練\n◇ 備蓄の啓発\n・出前講座\n",
    ],
)
def test_bullet_measures_under_an_area_description(block: str) -> None:
    text = _doc(
        _GOAL,
        _PART2,
        "1 安全・安心なまちづくり\n\n地域と連携して防災の取組を進めます。\n\n" + block + "\n",
        "2 健やかな暮らしの支援\n\n健康づくりの取組を進めます。\n\n"
        "3 区の魅力づくり\n\n区の魅力を発信します。\n\n"
        "・区民の皆さまに魅力を伝えます。\n・まつりを開催します。\n",
    )
    areas = parse_plan(text).focus_areas
    assert areas[0].statements == ()
    assert areas[0].description == "地域と連携して防災の取組を進めます。"
    assert [(m.title, [a.text for a in m.actions]) for m in areas[0].measures] == [
        ("防災訓練の支援", ["拠点訓練"]),
        ("備蓄の啓発", ["出前講座"]),
    ]
    assert areas[2].statements == ("区民の皆さまに魅力を伝えます。", "まつりを開催します。")
    assert areas[2].measures == ()


def test_safety_net_names_the_line_being_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of the reader on odd input is a one-line PlanError, never a traceback."""
    from minami_kg.extract import parser

    def broken(*args: object) -> object:
        raise IndexError("internal")

    monkeypatch.setattr(parser, "parse_contact", broken)
    text = _doc(_GOAL, _PART2, _AREAS, _PART3, "お問い合わせ\n栄区区政推進課\n")
    contact_line = text.split("\n").index("お問い合わせ") + 1
    with pytest.raises(PlanError) as info:
        parse_plan(text, filename="odd.txt")
    err = info.value
    assert err.message == "could not read the document (IndexError)"
    assert err.line == contact_line
    assert str(err) == f"odd.txt:{contact_line}: could not read the document (IndexError)"
    assert err.__cause__ is None and err.__suppress_context__


def test_safety_net_within_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    from minami_kg.extract import parser

    real = parser.parse_heading

    def fragile(fold: str) -> tuple[int | None, str, bool]:
        if "健やか" in fold:
            raise AttributeError("internal")
        return real(fold)

    monkeypatch.setattr(parser, "parse_heading", fragile)
    text = _doc(_GOAL, _PART2, _AREAS, _PART3)
    with pytest.raises(PlanError) as info:
        parse_plan(text)
    assert info.value.line == text.split("\n").index("2 健やかな暮らしの支援") + 1
    assert "AttributeError" in info.value.message


def test_safety_net_without_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from minami_kg.extract import parser

    def broken(blocks: list[object]) -> int | None:
        raise TypeError("internal")

    monkeypatch.setattr(parser, "find_title", broken)
    with pytest.raises(PlanError) as info:
        parse_plan("令和5年度 栄区運営方針\n", filename="x.txt")
    assert (info.value.line, str(info.value)) == (
        None,
        "x.txt: could not read the document (TypeError)",
    )


# ---------------------------------------------------------------- robustness

_NOISE = [
    *"●○◆◇■・•▶▷►→⇒-*※【】()〜\t 　①IIUVT",
    "- 3 -",
    "（1/2）",
    "各職場の取組目標",
    "お問合せ先",
    "II 目標達成に向けた施策",
    "III 組織運営",
    "\x00",
    "<html>",
]


def _mutate(rng: random.Random, text: str) -> str:
    """Delete, duplicate or swap lines, insert characters, change markers."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 8)):
        lines = lines or [""]
        op, i = rng.randrange(6), rng.randrange(len(lines))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            k = rng.randint(0, len(lines[i]))
            noise = "".join(
                rng.choice([chr(rng.randrange(32, 0x3100)), rng.choice(_NOISE)])
                for _ in range(rng.randint(1, 4))
            )
            lines[i] = lines[i][:k] + noise + lines[i][k:]
        elif op == 4 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rng.choice(_NOISE) + lines[i][k + 1 :]
        else:
            lines.insert(i, rng.choice(_NOISE))
    return "\n".join(lines)


def test_mutated_plans_give_a_plan_or_a_plan_error() -> None:
    """Mutations of the seed and the fixtures: a whole Plan, or a one-line PlanError.

    `_read` bypasses the safety net of `parse_plan`, so an internal error
    fails the test instead of being turned into a PlanError.
    """
    from minami_kg.extract import parser
    from minami_kg.extract.formats.text import text_document

    sources = [SEED.read_text(encoding="utf-8")]
    sources += [decode(p.read_bytes()) for p in sorted((FIX / "plans").iterdir())]
    rng = random.Random(20240601)
    outcomes = {"plan": 0, "error": 0}
    for _ in range(200):
        text = _mutate(rng, rng.choice(sources))
        try:
            plan = parser._read(text_document(text, "mutated.txt"), parser.Hints()).plan
        except PlanError as err:
            assert "\n" not in str(err)
            outcomes["error"] += 1
            continue
        outcomes["plan"] += 1
        assert len(plan.focus_areas) <= 12 and (plan.measures or plan.sections)
        lines = text.split("\n")
        elements = [plan, *plan.focus_areas, *plan.measures, *plan.actions, *plan.sections]
        for element in elements:
            src = element.source
            assert src.text == "\n".join(lines[n - 1] for n in src.lines)
    assert outcomes["plan"] > 0 and outcomes["error"] > 0


def test_sakae_pdf_extracted_text() -> None:
    """Text as PDF extraction gives it: spaced title, T/U/V alone, page breaks mid-word."""
    path = FIX / "src" / "sakae-r5-pdf.txt"
    plan = read_plan(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert (plan.title, plan.ward_name, plan.fiscal_year) == (
        "令和5年度 栄区運営方針",
        "栄区",
        2023,
    )
    goal = plan.basic_goal
    assert goal is not None
    assert goal.slogan == "みどりと笑顔がつながる住み続けたいまち栄"
    assert goal.subtitle == "誰もが安心して暮らせる区を目指して"
    assert goal.statements == ("区民の皆さまと共に、地域の課題に取り組みます。",)
    assert "さかえちゃん" not in goal.source.text
    assert plan.policy_intro.startswith("栄区は区制40周年を迎えます。")
    areas = plan.focus_areas
    assert [(a.number, a.name) for a in areas] == [
        (1, "防災"),
        (2, "子育て"),
        (3, "健康"),
        (4, "地域の活動を支える基盤づくり"),
        (5, "着実に取り組む事業・業務"),
    ]
    assert [a.is_priority for a in areas] == [True, True, False, False, False]
    assert [a.kind for a in areas][3:] == [AreaKind.FOUNDATION, AreaKind.CATCH_ALL]
    assert areas[0].description.endswith("関係機関と連携して地域防災力の向上を図ります。")
    assert areas[0].description_source is not None
    assert areas[0].description_source.lines == (25, 29)
    assert [(m.title, [a.text for a in m.actions]) for m in areas[0].measures] == [
        ("防災拠点の運営支援", ["拠点訓練の支援", "備蓄品の入替え"]),
        ("自宅→避難所の経路確認の啓発", ["出前講座の実施"]),
    ]
    assert areas[0].measures[0].actions[1].flags == ("新規",)
    assert areas[1].measures[0].actions[1].flags == ("NEW",)
    assert len(areas[4].statements) == 2 and areas[4].measures == ()
    assert len(plan.measures) == 5 and len(plan.actions) == 8
    assert [p.title for p in plan.principles] == [
        "区役所全体のチーム力を生かした運営",
        "様々な担い手との協働",
    ]
    assert plan.organisation_intro == "区民の皆さまに信頼される区役所を目指します。"
    assert [(s.name, s.sites) for s in plan.sections] == [
        ("総務課", ()),
        ("地域力推進担当", ()),
        ("市立保育園", ("本郷", "桂台")),
        ("栄土木事務所", ()),
    ]
    assert plan.sections[0].goal.endswith("組織運営に取り組みます。")
    assert plan.sections[0].source.lines == (77, 79, 83)
    contact = plan.contact
    assert contact is not None
    assert (contact.telephone, contact.fax, contact.email) == (
        "045-894-8335",
        "045-895-2260",
        "sa-kusei@example.jp",
    )
    elements = [plan, *areas, *plan.measures, *plan.actions, *plan.principles, *plan.sections]
    for element in elements:
        assert element.source.text == "\n".join(lines[n - 1] for n in element.source.lines)


def test_numbered_pillars_announced_then_detailed_after_a_page_marker() -> None:
    """Pillars listed in part II by name, detailed after 「- 1 -」 with ◆ measures and ・ actions.

    Each detail heading starts a pillar again, right after the last action of the one
    before: it is never read as the end of that action's sentence.
    """
    plan = read_plan(FIX / "layouts" / "mine" / "wakaba-r5-announced-pillars.txt")
    assert [(a.number, a.name) for a in plan.focus_areas] == [
        (1, "安全で安心して暮らせるまち"),
        (2, "健やかに暮らせるまち"),
        (3, "子どもの育ちを支えるまち"),
        (4, "地域の力やつながりをはぐくむまちづくり"),
    ]
    assert [[m.title for m in a.measures] for a in plan.focus_areas] == [
        ["地域防災力の向上", "交通安全の推進"],
        ["健康づくりの推進"],
        ["子育て支援の充実"],
        ["地域活動の支援", "担い手の育成"],
    ]
    assert [a.text for a in plan.focus_areas[0].measures[1].actions] == ["交通安全教室の開催"]
    assert len(plan.actions) == 8
    # 地域の力 in a pillar's name does not make it the foundation of the others
    assert {a.kind for a in plan.focus_areas} == {AreaKind.FOCUS}


def test_assigned_sections_tables_and_cross_cutting_statements() -> None:
    """担当 annotations and a 担当課 column name sections; 【協働による取組】 is no pillar."""
    plan = read_plan(FIX / "layouts" / "mine" / "kawabe-r6-tanto.txt")
    assert (plan.ward_name, plan.fiscal_year) == ("川辺区", 2024)
    assert plan.basic_goal is not None
    assert plan.basic_goal.slogan == "水と緑の川辺"  # 「」 around the slogan are not part of it
    assert plan.basic_goal.statements == ("川と緑を生かし、誰もが住み続けたいまちをつくります。",)
    assert [a.name for a in plan.focus_areas] == ["安全・安心のまちづくり", "にぎわいのまちづくり"]
    assert [(m.title, m.sections) for m in plan.measures] == [
        ("防災拠点の機能強化", ("総務課",)),
        ("見守りの推進", ("高齢・障害支援課", "地域振興課")),
        ("区民まつりの開催", ("地域振興課", "区政推進課")),
        ("商店街の支援", ("地域振興課",)),
    ]
    assert [a.text for a in plan.measures[0].actions] == ["拠点訓練の支援", "備蓄の点検"]
    assert [a.text for a in plan.measures[3].actions] == ["イベントの支援"]
    assert [(s.title, s.text) for s in plan.statements] == [
        ("協働による取組", "区民、事業者、区役所が力を合わせて取組を進めます。")
    ]
    assert [s.name for s in plan.sections] == [
        "総務課",
        "区政推進課",
        "地域振興課",
        "高齢・障害支援課",
    ]


def test_a_title_set_over_two_lines_names_its_year_above() -> None:
    """A PDF's large title often stands as 「令和6年度」 over 「南区運営方針」."""
    text = "令和6年度\n南区運営方針\n\n" + _PART2 + "\n" + _AREAS
    plan = parse_plan(text)
    assert plan.title == "令和6年度 南区運営方針"
    assert (plan.ward_name, plan.fiscal_year) == ("南区", 2024)
    assert plan.source.lines == (1,)
