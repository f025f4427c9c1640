"""The reader of a ward's plan published as a page of a city's CMS (.html/.htm).

The fixture pages under tests/fixtures/layouts/html/ are written for these
tests: an invented ward (みどり台区) on a page laid out like Yokohama's CMS
(tmp_header, tmp_gnavi, tmp_pankuzu, tmp_contents, tmp_contact, tmp_lnavi,
tmp_footer), and a small Shift_JIS page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from minami_kg.extract import PlanError, read_document, read_reading
from minami_kg.extract.blocks import Block, BlockKind, Document
from minami_kg.extract.formats.html import MEDIA_TYPE, html_document, read_html
from minami_kg.extract.normalize import normalize_text

HTML = Path(__file__).parent / "fixtures" / "layouts" / "html"
PAGE = HTML / "midoridai-r6.html"
SJIS = HTML / "encoded-sjis.htm"


@pytest.fixture(scope="module")
def page() -> Document:
    return read_html(PAGE.read_bytes(), str(PAGE))


def of_kind(document: Document, kind: BlockKind) -> list[Block]:
    return [b for b in document.blocks if b.kind is kind]


def page_of(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<!DOCTYPE html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n".encode()


def read(tmp_path: Path, body: str, name: str = "page.html") -> Document:
    path = tmp_path / name
    path.write_bytes(page_of(body))
    return read_html(path.read_bytes(), str(path))


# ---------------------------------------------------------------- the Yokohama-style page


def test_the_plan_is_read_from_the_main_content_without_the_page_furniture(
    page: Document,
) -> None:
    texts = [b.fold for b in page.blocks]
    assert texts[0] == "令和6年度 みどり台区運営方針"
    assert texts[-1] == "メール:md-kikaku@example.jp"  # the plan's own contact block, kept
    everything = "\n".join(texts)
    for furniture in (
        "このページの先頭です",  # skip links
        "本文へ",
        "ここから本文です",
        "JavaScript",  # noscript
        "dataLayer",  # script
        "みどり台区ホームページ",  # site header
        "Foreign language",
        "やさしい日本語",
        "文字サイズ",
        "サイト内検索",
        "暮らし・手続き",  # global navigation
        "トップページ",  # breadcrumbs
        "区の運営方針・予算",  # side menu
        "運営方針の振り返り",
        "令和5年度",
        "最終更新日",
        "このページへのお問合せ",  # the CMS's contact box
        "045-000-0102",
        "045-000-0103",
        "専用フォーム",
        "ページID",
        "PDF:812KB",  # a link to the plan as a file
        "Adobe",  # the PDF reader notice
        "無料ダウンロード",
        "ページの先頭へ戻る",
        "Xでポスト",  # share buttons
        "LINEで送る",
        "法人番号",  # footer
        "開庁時間",
        "Copyright",
    ):
        assert furniture not in everything, furniture
    # the plan's own contact paragraph is content, not the CMS's box
    assert "〈運営方針全体に関するお問合せ先〉" in texts
    assert "電話:045-000-0101 ファクス:045-000-0109" in texts


def test_headings_carry_their_levels(page: Document) -> None:
    headings = [(b.level, b.fold) for b in of_kind(page, BlockKind.HEADING)]
    assert headings == [
        (1, "令和6年度 みどり台区運営方針"),
        (2, "I 基本目標"),
        (2, "II 目標達成に向けた施策"),
        (3, "1 災害に備える安全なまちづくり【重点】"),
        (3, "2 子育てを地域で支えるまちづくり【重点】"),
        (3, "3 健康で自分らしく暮らせるまちづくり"),
        (3, "4 地域の力を育む基盤づくり"),
        (2, "III 組織運営"),
        (3, "1 分かりやすく丁寧な窓口"),
        (3, "2 学び合い挑戦する職場"),
        (2, "各職場の取組目標"),
        (4, "総務課"),
        (4, "区政推進課"),
        (4, "地域振興課"),
        (4, "みどり台土木事務所"),
    ]
    assert all(
        b.level == 0 for b in page.blocks if b.kind not in (BlockKind.HEADING, BlockKind.ITEM)
    )
    assert {b.level for b in of_kind(page, BlockKind.ITEM)} == {1, 2}  # how deep a list item is


def test_a_nested_item_without_a_marker_is_an_action() -> None:
    page = html_document(
        "<html><body><main><ul><li>防災訓練の支援<ul><li>拠点訓練</li><li>夜間訓練</li></ul>"
        "</li></ul></main></body></html>",
        "nested.html",
    )
    assert [(b.level, b.fold) for b in page.blocks] == [
        (1, "・防災訓練の支援"),
        (2, "▷拠点訓練"),
        (2, "▷夜間訓練"),
    ]


def test_list_items_carry_their_markers_nested_lists_in_document_order(page: Document) -> None:
    items = [b.fold for b in of_kind(page, BlockKind.ITEM)]
    assert items == [
        "・区民の皆さまと対話を重ね、地域の課題を一緒に解決していきます。",
        "・誰もが安心して住み続けられるよう、区役所の総力を挙げて取り組みます。",
        "◆ 地域防災拠点の運営力の強化",
        "▶ 拠点運営委員会による夜間訓練の支援",
        "▶ 備蓄食料の計画的な入替え",
        "◆ がけ地の安全対策(新規) ▶ がけ地所有者への相談会の開催",
        "● 丘の散歩道を生かした健康づくり ▶ ウオーキング講座の開催 ▶ 健康チェック会の実施",
        "● 支え合いの地域づくり ▶ 見守り協力店の拡大(拡充)",
        "■ 地域活動の担い手の発掘 ▶ 地域デビュー講座の開催",
    ]
    assert all(len(b.cells) == 1 and b.blank_before for b in of_kind(page, BlockKind.ITEM))


def test_table_rows_carry_their_cells(page: Document) -> None:
    rows = [b.cells for b in of_kind(page, BlockKind.ROW)]
    assert rows == [
        ["主な取組", "内容"],
        ["◆ 子育て相談の充実", "▶ 乳幼児健診での個別相談 ▶ 夜間のオンライン相談の試行"],
        ["◆ 親子の居場所づくり", "▶ 地区センターでの親子広場の開設"],
    ]
    caption = page.blocks[page.blocks.index(of_kind(page, BlockKind.ROW)[0]) - 1]
    assert (caption.kind, caption.fold) == (BlockKind.PARAGRAPH, "主な取組")


def test_a_br_splits_a_paragraph_into_lines_of_one_element(page: Document) -> None:
    texts = [b.fold for b in page.blocks]
    first = texts.index("自治会町内会をはじめとする多様な担い手の活動を支え、")
    second = page.blocks[first + 1]
    assert second.fold == "全ての施策を支える地域の力を育みます。"
    assert second.kind is BlockKind.PARAGRAPH
    assert page.blocks[first].blank_before and not second.blank_before
    contact = texts.index("〈運営方針全体に関するお問合せ先〉")
    assert [b.blank_before for b in page.blocks[contact : contact + 4]] == [
        True,
        False,
        False,
        False,
    ]


def test_the_document_has_one_line_per_block_with_its_html_source_line(page: Document) -> None:
    source = PAGE.read_text(encoding="utf-8").split("\n")
    assert page.files == (str(PAGE),)
    assert page.media_types == (MEDIA_TYPE,) == ("text/html",)
    assert len(page.lines) == len(page.blocks) == len(page.origins)
    for number, (line, block, origin) in enumerate(
        zip(page.lines, page.blocks, page.origins, strict=True), start=1
    ):
        assert block.lines == [number] and block.raw == [line]
        assert line == "\t".join(block.cells)
        assert all("\t" not in c and "\n" not in c and c == c.strip() for c in block.cells)
        assert normalize_text(block.text)
        assert block.page_break is False
        assert origin.file == str(PAGE) and origin.page is None
        assert origin.line is not None
        html = normalize_text(re.sub(r"<[^>]*>", "", source[origin.line - 1]))
        start = normalize_text(block.cells[0]).removeprefix("・")[:6]
        assert start in html, (origin.line, block.fold)
    title = source[page.origins[0].line - 1]
    assert title.startswith("<h1>令和6年度")
    row = page.origins[page.blocks.index(of_kind(page, BlockKind.ROW)[1])]
    assert source[row.line - 1] == "<td>◆ 子育て相談の充実</td>"  # where the row's text starts
    assert str(page.origins[0]) == f"{PAGE}:{page.origins[0].line}"


def test_the_plan_reader_reads_the_page(page: Document) -> None:
    reading = read_reading([PAGE])
    plan = reading.plan
    assert plan.ward_name == "みどり台区"
    assert plan.fiscal_year == 2024
    assert plan.title == "令和6年度 みどり台区運営方針"
    assert reading.document.media_types == ("text/html",)
    assert plan.basic_goal is not None
    assert plan.basic_goal.slogan == "丘の緑と人の輪がつながる笑顔で暮らせるまちみどり台"
    assert plan.basic_goal.subtitle == "次の世代へ手渡す、やさしいふるさと"
    assert len(plan.basic_goal.statements) == 2
    areas = plan.focus_areas
    assert [a.name for a in areas] == [
        "災害に備える安全なまちづくり",
        "子育てを地域で支えるまちづくり",
        "健康で自分らしく暮らせるまちづくり",
        "地域の力を育む基盤づくり",
    ]
    assert [a.is_priority for a in areas] == [True, True, False, False]
    assert [m.title for m in areas[0].measures] == [
        "地域防災拠点の運営力の強化",
        "がけ地の安全対策",
    ]
    assert [a.text for a in areas[0].measures[0].actions] == [
        "拠点運営委員会による夜間訓練の支援",
        "備蓄食料の計画的な入替え",
    ]
    assert areas[0].measures[1].flags == ("新規",)
    # the table's rows are measures with their actions
    assert [m.title for m in areas[1].measures] == ["子育て相談の充実", "親子の居場所づくり"]
    assert [a.text for a in areas[1].measures[0].actions] == [
        "乳幼児健診での個別相談",
        "夜間のオンライン相談の試行",
    ]
    # the <br>-broken sentence was joined by the common pass
    assert areas[3].description == (
        "自治会町内会をはじめとする多様な担い手の活動を支え、全ての施策を支える地域の力を育みます。"
    )
    assert [p.title for p in plan.principles] == ["分かりやすく丁寧な窓口", "学び合い挑戦する職場"]
    assert [s.name for s in plan.sections] == [
        "総務課",
        "区政推進課",
        "地域振興課",
        "みどり台土木事務所",
    ]
    assert plan.contact is not None
    assert plan.contact.telephone == "045-000-0101"  # the plan's, not the CMS box's
    assert plan.contact.email == "md-kikaku@example.jp"
    # what is left over is the page's sentence before the plan, reported with its HTML line
    assert [w.text for w in reading.warnings] == [
        "令和6年度の区政運営の基本的な考え方をまとめた「みどり台区運営方針」を策定しました。"
    ]
    assert re.fullmatch(rf"{re.escape(str(PAGE))}:\d+", reading.warnings[0].where)


# ---------------------------------------------------------------- encodings


def test_a_shift_jis_page_is_decoded_by_its_meta_charset() -> None:
    document = read_html(SJIS.read_bytes(), str(SJIS))
    assert [b.fold for b in document.blocks] == [
        "令和6年度 みどり台区運営方針(概要)",
        "丘の緑と人の輪がつながる 笑顔で暮らせるまち みどり台",
        "〜次の世代へ手渡す、やさしいふるさと〜",
        "① 災害に備える安全なまちづくり",  # its own number is kept
        "2.子育てを地域で支えるまちづくり",
    ]
    assert [b.kind for b in document.blocks][-2:] == [BlockKind.ITEM, BlockKind.ITEM]


def test_meta_charset_then_the_encoding_argument(tmp_path: Path) -> None:
    body = "<h1>令和6年度 みどり台区運営方針</h1>\n<p>区役所のお知らせです。</p>"
    euc = page_of(body, '<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">')
    euc = euc.decode().encode("euc_jp")
    assert read_html(euc, "euc.html").blocks[0].fold == "令和6年度 みどり台区運営方針"
    bare = page_of(body, "").decode().encode("euc_jp")
    assert (
        read_html(bare, "bare.html", encoding="euc-jp").blocks[1].fold == "区役所のお知らせです。"
    )
    # a page that declares Shift_JIS but is UTF-8 is still read
    wrong = page_of(body, '<meta charset="Shift_JIS">')
    assert read_html(wrong, "wrong.html").blocks[0].fold == "令和6年度 みどり台区運営方針"
    with pytest.raises(PlanError, match="cannot decode as ascii") as info:
        read_html(page_of(body), "forced.html", encoding="ascii")
    assert info.value.filename == "forced.html"


# ---------------------------------------------------------------- not a page with a plan


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "not an HTML page: no text in the page's main content"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64), "binary data"),
        (bytes(range(256)) * 4, "binary data"),
        ("令和6年度 みどり台区運営方針\n基本目標\n".encode(), "not an HTML page"),
        (b"<<<<>>>>", "not an HTML page"),
        (page_of(""), "no text in the page's main content"),
        (
            page_of(
                '<header id="tmp_header"><p>みどり台区ホームページ</p></header>\n'
                "<nav><ul><li>暮らし・手続き</li></ul></nav>\n"
                '<main><script>var x = "本文";</script><p class="skip">本文へ</p></main>\n'
                "<footer><p>Copyright みどり台区</p></footer>"
            ),
            "no text in the page's main content",
        ),
    ],
)
def test_not_a_page_with_text(tmp_path: Path, data: bytes, fragment: str) -> None:
    path = tmp_path / "odd.html"
    path.write_bytes(data)
    with pytest.raises(PlanError) as info:
        read_html(data, str(path))
    err = info.value
    assert fragment in err.message
    assert err.filename == str(path)
    assert str(err).startswith(f"{path}:")
    with pytest.raises(PlanError) as again:
        read_document(path)
    assert again.value.filename == str(path)


def test_an_html_page_of_no_plan_fails_in_the_plan_reader_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_bytes(page_of("<main><h1>お知らせ</h1><p>区役所の窓口の案内です。</p></main>"))
    with pytest.raises(PlanError, match="no title line") as info:
        read_reading([path])
    assert info.value.filename == str(path)


# ---------------------------------------------------------------- dispatch


def test_read_document_chooses_the_reader_by_the_suffix(tmp_path: Path) -> None:
    assert read_document(PAGE).media_types == ("text/html",)
    assert read_document(SJIS).media_types == ("text/html",)
    upper = tmp_path / "PLAN.HTM"
    upper.write_bytes(PAGE.read_bytes())
    document = read_document(upper)
    assert document.files == (str(upper),)
    assert document.blocks[0].kind is BlockKind.HEADING
    text = tmp_path / "plan.txt"
    text.write_bytes(PAGE.read_bytes())
    as_text = read_document(text)
    assert as_text.media_types == ("text/plain",)
    assert as_text.lines[0] == "<!DOCTYPE html>"


# ---------------------------------------------------------------- other layouts


def test_the_cms_contact_box_is_found_by_its_heading(tmp_path: Path) -> None:
    document = read(
        tmp_path,
        "<main><h1>令和6年度 みどり台区運営方針</h1><p>本文の段落です。</p>\n"
        '<section class="box"><div class="ttl"><h2>このページに関するお問い合わせ</h2></div>\n'
        "<p>みどり台区区政推進課</p><p>電話:045-000-0199</p></section>\n"
        "<h2>このページへのお問合せ</h2><p>区政推進課 045-000-0198</p>\n"
        "<h2>お問合せ先</h2><p>みどり台区総務部 045-000-0197</p></main>",
    )
    assert [b.fold for b in document.blocks] == [
        "令和6年度 みどり台区運営方針",
        "本文の段落です。",
        "お問合せ先",  # a plan's own heading stays
        "みどり台区総務部 045-000-0197",
    ]


def test_breadcrumbs_side_menus_and_notices_inside_the_main_content(tmp_path: Path) -> None:
    document = read(
        tmp_path,
        '<div id="content">\n'
        '<div aria-label="パンくずリスト"><a href="/">トップ</a> &gt; 区政</div>\n'
        '<ol class="breadcrumb"><li>ホーム</li></ol>\n'
        "<p>このページの先頭です</p>\n<p>本文へ移動</p>\n"
        "<h1>令和6年度 みどり台区運営方針</h1>\n"
        '<div class="side-menu"><ul><li>関連ページ</li></ul></div>\n'
        "<p>最終更新日:2024年3月29日</p>\n"
        "<p>PDFファイルを閲覧するには Adobe Reader が必要です。</p>\n"
        '<div class="share"><a>シェア</a></div>\n'
        '<p style="display: none">隠れた文</p><p hidden>隠れた文</p>\n'
        "<p>区の取組を紹介します。</p>\n<p>ページの先頭へ戻る</p>\n</div>",
    )
    assert [b.fold for b in document.blocks] == [
        "令和6年度 みどり台区運営方針",
        "区の取組を紹介します。",
    ]
    assert all(b.blank_before for b in document.blocks)


def test_lists_tables_and_definitions(tmp_path: Path) -> None:
    document = read(
        tmp_path,
        "<article><header><h2>主な取組</h2></header>\n"
        '<ol start="3"><li>防災</li><li value="7">子育て</li><li>健康</li></ol>\n'
        "<ul><li><p>● 見守りの推進</p><p>地域の皆さまと進めます。</p></li>"
        "<li>※ 新規の取組を含みます。</li><li>見出し<br>▶ 行動<br>続きの文</li></ul>\n"
        "<dl><dt>総務課</dt><dd>訓練を重ねます。</dd></dl>\n"
        "<table><tr><th>課</th><td></td><td>目標<br>その\n\t二</td><td>一文目。<br>二文目。</td></tr>"
        "<tr><td> </td></tr></table>\n"
        "<div>直接の文<p>段落</p>後の文</div>\n"
        "<h5>小見出し</h5><pre>一行目\n  二行目</pre></article>",
    )
    got = [(b.kind.value, b.fold, b.blank_before) for b in document.blocks]
    assert got == [
        ("heading", "主な取組", True),
        ("item", "3.防災", True),
        ("item", "7.子育て", True),
        ("item", "8.健康", True),
        ("item", "● 見守りの推進", True),
        ("paragraph", "地域の皆さまと進めます。", True),
        ("item", "※ 新規の取組を含みます。", True),
        ("item", "・見出し", True),
        ("item", "▶ 行動", False),
        ("paragraph", "続きの文", False),
        ("paragraph", "総務課", True),
        ("paragraph", "訓練を重ねます。", True),
        # lines of a cell after the first are a list (each an action); sentences, a paragraph;
        # a source line break between Japanese characters is no space
        ("row", "課\t・目標 ・その二\t一文目。 二文目。", True),
        ("paragraph", "直接の文", True),
        ("paragraph", "段落", True),
        ("paragraph", "後の文", True),
        ("heading", "小見出し", True),
        ("paragraph", "一行目", True),
        ("paragraph", "二行目", False),
    ]
    assert document.blocks[-3].level == 4


def test_white_space_of_the_source_is_html_white_space(tmp_path: Path) -> None:
    document = read(
        tmp_path,
        "<main><h1>令和6年度<br>みどり台区運営方針</h1>\n"
        "<p>地域の皆さまと\n    一緒に進めます。ICT を\n  活用します。&nbsp;New\nYork</p>\n"
        "<p>総務課　　　全庁で訓練を重ねます。</p></main>",
    )
    assert [b.fold for b in document.blocks] == [
        "令和6年度 みどり台区運営方針",  # a <br> in a heading is a space
        "地域の皆さまと一緒に進めます。ICT を活用します。 New York",
        "総務課   全庁で訓練を重ねます。",  # full-width spaces are content
    ]


def test_the_body_when_no_main_content_is_marked(tmp_path: Path) -> None:
    document = read(
        tmp_path,
        '<div id="header"><h1>みどり台区役所</h1></div>\n'
        '<div class="gnav"><ul><li>暮らし</li></ul></div>\n'
        "<h1>令和6年度 みどり台区運営方針</h1>\n<p>本文です。</p>\n"
        '<div id="footer"><p>みどり台区役所</p></div>',
    )
    assert [b.fold for b in document.blocks] == ["令和6年度 みどり台区運営方針", "本文です。"]
    lines = [o.line for o in document.origins]
    assert lines == [6, 7]  # page_of puts the body on line 3


def test_a_picture_is_read_by_its_alt_text() -> None:
    page = html_document(
        "<html><body><main><h1>令和6年度 みどり台区運営方針</h1><h2>基本目標</h2>"
        '<p><img src="slogan.png" alt="丘と緑のまち みどり台"></p><p>説明の文です。</p>'
        '<p><img src="spacer.gif" alt=""></p></main></body></html>',
        "picture.html",
    )
    assert [b.fold for b in page.blocks] == [
        "令和6年度 みどり台区運営方針",
        "基本目標",
        "丘と緑のまち みどり台",
        "説明の文です。",
    ]
