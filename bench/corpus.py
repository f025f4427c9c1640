"""A synthetic corpus of 区運営方針 documents: N imaginary wards × M fiscal years.

    .venv/bin/python bench/corpus.py --wards 18 --years 10 --out var/corpus --seed 1
    .venv/bin/python bench/corpus.py --wards 2 --years 3 --out var/corpus --build

Writes `OUT/<ward>/<fy>/<ward>-<fy>.txt` and a `manifest.toml` beside each, in the
layout `minami-kg build` reads. Every document is marked as synthetic three times:
a first line saying so (before the title, so the parser skips it), a ※ note after
the title (it becomes the plan's `skos:note`), and `synthetic = true` with a comment
in its manifest. The wards are imaginary (架空東区, 架空西区 …, slugs `kaku-higashi`,
`kaku-nishi` …), so no document can be taken for a real ward's policy whatever its
fiscal year; the years start at `--first-year` (default 2019, 令和元年度). The
script refuses to write under the project's `data/`.

Documents vary as published ones do: measure and action markers (● ■ ・ ◆ ○ / ▶ ▷ → ⇒),
area numbering (1, １, 【1】, 施策1, (1), ①), part numerals (I / Ⅰ, on the heading's
line or alone), measures with their actions on one line or one per line, section
goals beside or under the section's name, page markers, encodings (UTF-8 with and
without BOM, CP932, UTF-16 LE/BE with BOM) and line ends (LF, CRLF); the manifest
names the encoding for some documents and leaves it to detection for others.
Each ward draws its areas, sections and wording from pools, and from one year to
the next a few measures are dropped, added, renamed, moved to another area, or
change the section their action names, and a section's goal changes, so that
`minami-kg diff` has something to show.

The output depends only on `--seed` (and the ward's and year's index), never on
the machine: the same seed writes the same bytes.

`--build` then runs `minami-kg build` with `MINAMI_KG_SOURCES` set to OUT and
`MINAMI_KG_STORE` to `--store` (default: `OUT.store/store` beside OUT; the remote
endpoint variables are dropped), and prints the timings, the build's peak memory
and one `minami-kg diff` between the first two years of the first ward.
"""

from __future__ import annotations

import argparse
import codecs
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTICE = (
    "【合成データ】この文書はベンチマーク用に bench/corpus.py が生成した架空の区運営方針です。"
    "実在の区・計画ではありません。 (synthetic document for benchmarks)"
)
NOTE = "※ 合成データ：ベンチマーク用に自動生成した架空の文書です。"

# --- pools ------------------------------------------------------------------------------------

WARDS = [
    ("東", "higashi"), ("西", "nishi"), ("南", "minami"), ("北", "kita"), ("中", "naka"),
    ("港", "minato"), ("緑", "midori"), ("泉", "izumi"), ("栄", "sakae"), ("旭", "asahi"),
    ("桜", "sakura"), ("松", "matsu"), ("竹", "take"), ("梅", "ume"), ("星", "hoshi"),
    ("月", "tsuki"), ("空", "sora"), ("花", "hana"), ("森", "mori"), ("川", "kawa"),
    ("山", "yama"), ("海", "umi"), ("丘", "oka"), ("湖", "mizuumi"),
]  # fmt: skip
NUMERALS = "一二三四五六七八九"

# (name variants, description, measures: (title, actions)); the last two are the
# foundation block and the catch-all, which every ward has.
Pool = tuple[tuple[str, ...], str, tuple[tuple[str, tuple[str, ...]], ...]]
TOPICAL_AREAS: tuple[Pool, ...] = (
    (
        ("防災・減災の推進", "災害に強いまちづくり", "減災"),
        "大地震や風水害に備え、地域防災拠点の機能を強化し、自助・共助の取組を進めます。",
        (
            ("地域防災拠点の機能強化", ("拠点訓練の支援", "備蓄資機材の更新")),
            ("風水害への備え", ("土砂災害警戒区域の周知", "浸水想定区域の周知")),
            ("家具転倒防止の啓発", ("転倒防止器具の取付支援",)),
            ("要援護者の避難支援", ("個別避難計画の作成支援",)),
            ("感震ブレーカーの普及", ("設置補助制度の周知",)),
            ("防災人材の育成", ("防災リーダー研修の開催",)),
            ("津波・高潮対策", ("沿岸部の避難経路の周知", "津波避難訓練の実施")),
        ),
    ),
    (
        ("健康づくりと地域福祉", "健康で安心して暮らせるまち", "健康・福祉"),
        "誰もが住み慣れた地域で健康に暮らし続けられるよう、健康づくりと地域包括ケアを進めます。",
        (
            ("健康づくりの推進", ("ウォーキング講座の開催", "特定健診の受診勧奨")),
            ("認知症の人と家族への支援", ("認知症カフェの運営支援",)),
            ("高齢者の見守り活動の推進", ("地域ケアプラザと連携した見守り",)),
            ("介護予防の推進", ("元気づくりステーションの活動支援",)),
            ("障害のある人への支援", ("相談支援事業所との連携",)),
            ("こころの健康づくり", ("自殺対策講演会の開催",)),
            ("食育の推進", ("親子食育講座の開催",)),
        ),
    ),
    (
        ("子育て支援", "子どもの育ちを地域で支えるまち", "子ども・子育て"),
        "子育て家庭が孤立することのないよう、関係機関と連携し、子どもの育ちを見守ります。",
        (
            ("妊娠期からの切れ目のない支援", ("母子健康手帳交付時の面接", "産後ケアの案内")),
            ("子どもの居場所づくり", ("放課後の居場所づくり", "子ども食堂への支援")),
            ("児童虐待の防止", ("関係機関との連携強化",)),
            ("地域での子育て支援", ("子育てサロンの支援",)),
            ("青少年の健全育成", ("青少年指導員との体験活動",)),
            ("保育・教育の場の確保", ("保育所等の整備",)),
        ),
    ),
    (
        ("魅力と賑わいの創出", "活力と魅力あふれるまち", "賑わい"),
        "区内の自然や歴史、文化・スポーツなどの資源を生かし、区の魅力を区内外に発信します。",
        (
            ("区の魅力発信", ("区民まつりの開催", "ＳＮＳを活用した情報発信")),
            ("商店街の活性化", ("商店街イベントへの支援",)),
            ("花と緑のまちづくり", ("駅前花壇の管理",)),
            ("歴史・文化の継承", ("史跡散策マップの作成",)),
            ("スポーツの振興", ("区民スポーツ大会の開催",)),
        ),
    ),
    (
        ("安全・安心なまちづくり", "安全で快適に暮らせるまち", "安全・安心"),
        "防犯・交通安全の取組を地域と進め、道路や公園を安全に保ちます。",
        (
            ("防犯の推進", ("青色防犯パトロールの支援",)),
            ("交通安全の推進", ("交通安全教室の開催",)),
            ("空き家対策", ("所有者への適正管理の啓発",)),
            ("道路・公園の安全確保", ("公園遊具の点検",)),
        ),
    ),
)
FOUNDATION: Pool = (
    ("地域の力", "地域の力を生かした協働の推進"),
    "全ての施策の基盤として、自治会町内会など地域の皆さまの活動を支えます。",
    (
        ("地域活動の支援", ("自治会町内会の活動支援",)),
        ("担い手の育成", ("地域活動の担い手養成講座の開催",)),
        ("地区別計画の推進", ("地区社協との連携",)),
        ("協働の推進", ("ＮＰＯとの協働事業",)),
    ),
)
CATCH_ALL: Pool = (
    ("着実に取り組む事業・業務",),
    "区民生活を支える基本的な業務を正確・迅速に行い、区民サービスの向上を図ります。",
    (
        ("窓口サービスの向上", ("窓口案内の改善",)),
        ("多文化共生の推進", ("やさしい日本語の活用",)),
        ("脱炭素の取組", ("区庁舎の省エネルギー化",)),
        ("ごみの減量・分別の推進", ("分別説明会の開催",)),
        ("個人情報の適正な管理", ("職員研修の実施",)),
        ("ＤＸの推進", ("オンライン申請の拡大",)),
    ),
)
SECTIONS = (
    ("総務課", "区役所全体の組織運営を支え、地域防災拠点の訓練や備蓄資機材の管理を進めます。"),
    ("区政推進課", "区民の皆さまの声を丁寧に伺い、施策に反映します。"),
    ("地域振興課", "自治会町内会の活動を支援し、担い手の育成と地域のつながりづくりを進めます。"),
    ("戸籍課", "戸籍・住民票等の事務を正確・迅速に行い、個人情報を適正に管理します。"),
    ("税務課", "適正かつ公平な課税と、確実な収納に取り組みます。"),
    ("保険年金課", "国民健康保険・国民年金の事務を正確に行います。"),
    ("福祉保健課", "健康づくりと認知症の人への支援、食育を地域の皆さまと進めます。"),
    ("高齢・障害支援課", "高齢者や障害のある人が地域で安心して暮らせるよう支援します。"),
    ("こども家庭支援課", "妊娠期からの切れ目のない支援と、児童虐待の防止に取り組みます。"),
    ("生活支援課", "生活にお困りの方に寄り添い、自立に向けた支援を行います。"),
    ("区会計室", "適正な出納・審査事務を行い、各課の会計事務を支えます。"),
)
EXTRA_GOALS = (
    "また、区の魅力を広く発信します。",
    "また、デジタル技術を活用して業務を見直します。",
    "また、関係機関との連携を一層強化します。",
)
SLOGANS = (
    ("みんなでつくる", "安心のまち"),
    ("人と緑がつながる", "笑顔のまち"),
    ("誰もが住み続けたい", "ふれあいのまち"),
    ("支え合い未来へつなぐ", "元気なまち"),
)
PRINCIPLES = (
    ("区民に寄り添う窓口", "区民の皆さまの立場に立ち、分かりやすく丁寧な対応を心がけます。"),
    ("風通しの良い職場", "職位や課の枠を越えて意見を交わし、チームとして成果を上げます。"),
    ("ＤＸの推進と業務改善", "デジタル技術を活用して業務を見直し、区民サービスにつなげます。"),
)
RENAMES = (("の推進", "の強化"), ("の支援", "の支援の充実"), ("の防止", "の未然防止"))

MEASURE_MARKS = "●■・◆○"
ACTION_MARKS = ("▶", "▷", "→", "⇒")
CP932_ACTION_MARKS = ("→", "⇒")  # ▶ and ▷ are not in CP932; its documents use arrows
# (encoding for Python, byte-order mark, name for the manifest)
ENCODINGS = (
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("cp932", b"", "cp932"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
)


# --- one ward, year by year ----------------------------------------------------------------


@dataclass
class Measure:
    title: str
    actions: tuple[str, ...]
    section: str | None = None  # a section its first action names (an explicit link)

    def action_texts(self) -> list[str]:
        first, *rest = self.actions
        return [f"{self.section}と連携した{first}" if self.section else first, *rest]


@dataclass
class Area:
    name: str
    description: str
    measures: list[Measure]
    pool: list[Measure]  # measures not (or no longer) in the plan, for later years


@dataclass
class Ward:
    name: str  # 架空東区
    slug: str  # kaku-higashi
    slogan: tuple[str, str]
    areas: list[Area]
    sections: list[tuple[str, str]]  # (name, goal)
    changes: list[str] = field(default_factory=list)  # what the last evolve() did


def make_ward(index: int, rng: random.Random) -> Ward:
    """A ward's first year: its areas, measures and sections drawn from the pools."""
    kanji, romaji = WARDS[index % len(WARDS)]
    lap = index // len(WARDS)
    name = f"架空{kanji}{NUMERALS[lap] if lap else ''}区"
    slug = f"kaku-{romaji}{f'-{lap + 1}' if lap else ''}"
    topical = rng.sample(TOPICAL_AREAS, rng.randint(2, 4))
    areas = [_area(pool, rng) for pool in (*topical, FOUNDATION, CATCH_ALL)]
    sections = [SECTIONS[0], SECTIONS[1], *rng.sample(SECTIONS[2:], rng.randint(5, 8))]
    sections.append((f"{kanji}土木事務所", "道路・公園・下水道を適切に維持管理します。"))
    ward = Ward(name, slug, rng.choice(SLOGANS), areas, sections)
    names = [s for s, _ in sections]
    for measure in rng.sample(_all_measures(ward), 2):
        measure.section = rng.choice(names)
    return ward


def _area(pool: Pool, rng: random.Random) -> Area:
    names, description, measures = pool
    chosen = [Measure(title, actions) for title, actions in measures]
    rng.shuffle(chosen)
    count = rng.randint(2, min(4, len(chosen) - 1))
    return Area(rng.choice(names), description, chosen[:count], chosen[count:])


def _all_measures(ward: Ward) -> list[Measure]:
    return [m for area in ward.areas for m in area.measures]


def _renames(measure: Measure, old: str, new: str) -> bool:
    return old in measure.title and new not in measure.title


def evolve(ward: Ward, rng: random.Random) -> None:
    """One year later: a measure dropped, one added, one renamed, maybe one moved,
    one that names another section, and one section's goal rewritten."""
    ward.changes = []
    area = rng.choice([a for a in ward.areas if len(a.measures) > 1])
    dropped = area.measures.pop(rng.randrange(len(area.measures)))
    area.pool.append(dropped)
    ward.changes.append(f"dropped {dropped.title}")

    growing = [a for a in ward.areas if any(m is not dropped for m in a.pool)]
    if growing:
        area = rng.choice(growing)
        added = rng.choice([m for m in area.pool if m is not dropped])
        area.pool.remove(added)
        area.measures.insert(rng.randint(0, len(area.measures)), added)
        ward.changes.append(f"added {added.title}")

    renamable = [(m, o, n) for m in _all_measures(ward) for o, n in RENAMES if _renames(m, o, n)]
    if renamable:
        measure, old, new = rng.choice(renamable)
        before, measure.title = measure.title, measure.title.replace(old, new, 1)
        ward.changes.append(f"renamed {before} → {measure.title}")

    topical = ward.areas[:-2]
    if len(topical) > 1 and rng.random() < 0.7:
        source, target = rng.sample(topical, 2)
        if len(source.measures) > 1:
            measure = source.measures.pop(rng.randrange(len(source.measures)))
            target.measures.append(measure)
            ward.changes.append(f"moved {measure.title}: {source.name} → {target.name}")

    measure = rng.choice(_all_measures(ward))
    others = [s for s, _ in ward.sections if s != measure.section]
    measure.section = rng.choice(others)
    ward.changes.append(f"{measure.title} names {measure.section}")

    number = rng.randrange(len(ward.sections))
    name, goal = ward.sections[number]
    extra = rng.choice(EXTRA_GOALS)
    ward.sections[number] = (name, goal + extra if extra not in goal else goal)
    ward.changes.append(f"goal of {name}")


# --- writing a year's document --------------------------------------------------------------


def era(fiscal_year: int, rng: random.Random) -> str:
    """The year as a title writes it: 令和元年度, 令和5年度, 令和５年度 or 2024年度."""
    if fiscal_year < 2019:
        return f"平成{fiscal_year - 1988}"
    number = fiscal_year - 2018
    style = rng.randrange(4)
    if number == 1 and style < 3:
        return "令和元"
    if style == 0:
        return f"令和{number}"
    if style == 1:
        return "令和" + str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if style == 2:
        return f"令和 {number} "
    return str(fiscal_year)


AREA_STYLES = 6


def area_heading(number: int, name: str, priority: bool, style: int) -> str:
    """An area's heading in one of the numbering styles (1, １, 【1】, 施策1, (1), ①)."""
    tag = "【重点】" if priority else ""
    full = str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return (
        f"{number} {name}{tag}",
        f"{full}　{name}{tag}",
        f"【{number}】{name}{tag}",
        f"施策{number}{tag} {name}",
        f"({number}) {name}{tag}",
        f"{chr(0x245F + number)}{name}{tag}",
    )[style]


def render(
    ward: Ward, fiscal_year: int, year_index: int, rng: random.Random, *, shift_jis: bool = False
) -> str:
    """The text of one plan with LF line ends; `shift_jis`: only marks CP932 can encode."""
    measure_mark = rng.choice(MEASURE_MARKS)
    action_mark = rng.choice(CP932_ACTION_MARKS if shift_jis else ACTION_MARKS)
    one_line = rng.random() < 0.6
    roman = rng.choice((("I", "II", "III"), ("Ⅰ", "Ⅱ", "Ⅲ")))
    numeral_alone = rng.random() < 0.3
    goals_beside = rng.random() < 0.4
    page_markers = rng.random() < 0.5
    numbering = rng.randrange(AREA_STYLES)

    def part(n: int, heading: str) -> list[str]:
        return [roman[n], "", heading, ""] if numeral_alone else [f"{roman[n]} {heading}", ""]

    lines = [NOTICE, "", f"{era(fiscal_year, rng)}年度 {ward.name}運営方針", NOTE, ""]
    lines += part(0, "基本目標")
    lines += [ward.slogan[0], f"{ward.slogan[1]} {ward.name.removesuffix('区')}"]
    if year_index % 3 != 2:
        lines.append(f"～ 区民と共に歩む{year_index + 1}年目 ～")
    lines += ["", "・ 区民の皆さまと共に、災害に強いまちをつくります。", ""]
    if page_markers:
        lines += ["- 1 -", ""]
    topical = len(ward.areas) - 2
    lines += part(1, "目標達成に向けた施策")
    lines += [
        f"{ward.name}の地域の力を生かしながら、次の{topical + 1}つの施策と、着実に取り組む"
        "事業・業務を進めます。特に施策1と施策2を重点として取り組みます。",
        "",
    ]
    for number, area in enumerate(ward.areas, start=1):
        if number == len(ward.areas):
            lines += [area.name, ""]
        else:
            lines += [area_heading(number, area.name, number <= 2, numbering), ""]
        lines += [area.description, ""]
        for measure in area.measures:
            actions = measure.action_texts()
            if one_line:
                lines.append(
                    f"{measure_mark} {measure.title}\t"
                    + " ".join(f"{action_mark} {a}" for a in actions)
                )
            else:
                lines.append(f"{measure_mark} {measure.title}")
                lines += [f"{action_mark} {a}" for a in actions]
        lines.append("")
    if page_markers:
        lines += ["- 2 -", ""]
    lines += part(2, "目標達成に向けた組織運営")
    lines += ["区民の皆さまに信頼される区役所であり続けるため、組織として課題に取り組みます。", ""]
    for number, (title, text) in enumerate(PRINCIPLES[: 2 + year_index % 2], start=1):
        lines += [f"({number}) {title}", "", text, ""]
    lines += ["各課の取組目標", ""]
    for name, goal in ward.sections:
        lines += [f"{name}\t{goal}"] if goals_beside else [name, "", goal, ""]
    lines += [
        "",
        "お問合せ先",
        "",
        f"{ward.name}区政推進課企画調整係",
        "",
        "電話：000-0000-0000",
        "",
    ]
    return "\n".join(lines)


def manifest(ward: Ward, fiscal_year: int, file: str, encoding: str | None) -> str:
    lines = [
        "# A SYNTHETIC document written by bench/corpus.py for benchmarks: an imaginary",
        "# ward's imaginary plan. It is not a published document; never copy it into data/.",
        f'file = "{file}"',
        "synthetic = true",
        f'ward = "{ward.slug}"',
        f'ward_name = "{ward.name}"',
        f"fiscal_year = {fiscal_year}",
        f'publisher = "{ward.name} (synthetic)"',
        'licence = "Synthetic data generated by bench/corpus.py; no rights reserved."',
        f'issued = "{fiscal_year}"',
    ]
    if encoding:
        lines.append(f'encoding = "{encoding}"')
    return "\n".join(lines) + "\n"


def encode(
    text: str, encoding: tuple[str, bytes, str], rng: random.Random
) -> tuple[bytes, str | None]:
    """The document's bytes in `encoding` with a chosen line end, and the manifest's name
    for the encoding (None: left to detection)."""
    python_name, bom, manifest_name = encoding
    newline = rng.choice(("\n", "\r\n"))
    data = bom + text.replace("\n", newline).encode(python_name)
    return data, manifest_name if rng.random() < 0.5 else None


@dataclass(frozen=True)
class Written:
    ward: str
    fiscal_year: int
    path: Path
    measures: int
    changes: tuple[str, ...]


def write_corpus(out: Path, wards: int, years: int, seed: int, first_year: int) -> list[Written]:
    """Write every document and manifest; the same arguments write the same bytes."""
    refuse_data_folder(out)
    written = []
    for w in range(wards):
        rng = random.Random(f"{seed}/{w}")
        ward = make_ward(w, rng)
        for y in range(years):
            if y:
                evolve(ward, rng)
            fiscal_year = first_year + y
            chosen = rng.choice(ENCODINGS)
            text = render(ward, fiscal_year, y, rng, shift_jis=chosen[0] == "cp932")
            data, encoding = encode(text, chosen, rng)
            folder = out / ward.slug / str(fiscal_year)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{ward.slug}-{fiscal_year}.txt"
            (folder / name).write_bytes(data)
            (folder / "manifest.toml").write_text(
                manifest(ward, fiscal_year, name, encoding), encoding="utf-8"
            )
            count = len(_all_measures(ward))
            written.append(
                Written(ward.slug, fiscal_year, folder / name, count, tuple(ward.changes))
            )
    return written


def refuse_data_folder(out: Path) -> None:
    data = (PROJECT_ROOT / "data").resolve()
    target = out.resolve()
    if target == data or data in target.parents:
        raise SystemExit(f"{out}: synthetic documents never go under {data}")


# --- the pipeline ---------------------------------------------------------------------------


def command(name: str) -> list[str]:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"`{name}` not found: pip install -e . in this environment")
    return [found]


def run_build(out: Path, store: Path, written: list[Written]) -> None:
    """`minami-kg build` over the corpus, timed; then one diff, timed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINAMI_KG_")}
    env.update(MINAMI_KG_SOURCES=str(out), MINAMI_KG_STORE=str(store))
    started = time.perf_counter()
    build = subprocess.run(
        [*command("minami-kg"), "build"], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if build.returncode != 0:
        raise SystemExit(f"build failed:\n{build.stderr}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(build.stdout.rstrip())
    print(f"build: {seconds:.2f} s wall, peak RSS {peak_kib / 1024:.0f} MiB")
    first = [w for w in written if w.ward == written[0].ward]
    if len(first) >= 2:
        started = time.perf_counter()
        diff = subprocess.run(
            [*command("minami-kg"), "diff", first[0].ward, str(first[0].fiscal_year),
             str(first[1].fiscal_year)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"diff: {time.perf_counter() - started:.2f} s")
        print(diff.stdout.rstrip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wards", type=int, default=2, help="how many wards (default 2)")
    parser.add_argument("--years", type=int, default=2, help="fiscal years per ward (default 2)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the corpus to")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--first-year", type=int, default=2019, help="first fiscal year")
    parser.add_argument("--build", action="store_true", help="run minami-kg build on it")
    parser.add_argument("--store", type=Path, help="store for --build (default OUT.store/store)")
    args = parser.parse_args(argv)
    if args.wards < 1 or args.years < 1:
        parser.error("--wards and --years must be at least 1")

    started = time.perf_counter()
    written = write_corpus(args.out, args.wards, args.years, args.seed, args.first_year)
    size = sum(w.path.stat().st_size for w in written)
    print(
        f"{len(written)} synthetic documents ({args.wards} wards × {args.years} years, "
        f"{sum(w.measures for w in written)} measures, {size / 1024:.0f} KiB) written to "
        f"{args.out} in {time.perf_counter() - started:.2f} s"
    )
    if args.build:
        store = args.store or args.out.with_name(args.out.name + ".store") / "store"
        refuse_data_folder(store)
        run_build(args.out, store, written)


if __name__ == "__main__":
    main()
