"""The PDF reader: a text PDF as an office suite exports it, read into blocks.

The fixtures in tests/fixtures/layouts/pdf are an invented plan (さくら台区)
written as a flat ODF file and exported by LibreOffice (make.sh); the small
PDFs of the furniture and error tests are written here, byte by byte.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from minami_kg.extract import PlanError, read_document, read_reading
from minami_kg.extract.blocks import BlockKind, Document
from minami_kg.extract.formats.pdf import MEDIA_TYPE, read_pdf
from minami_kg.extract.model import AreaKind

FIXTURES = Path(__file__).parent / "fixtures" / "layouts" / "pdf"
PLAN = FIXTURES / "sakuradai-r6.pdf"
TITLE = "令和6年度さくら台区運営方針"


@pytest.fixture(scope="module")
def plan() -> Document:
    return read_pdf(PLAN.read_bytes(), "sakuradai-r6.pdf")


def texts(document: Document) -> list[str]:
    return [b.text for b in document.blocks]


def block(document: Document, start: str):
    """The one block whose text starts with `start` (spaces aside)."""
    start = start.replace(" ", "")
    found = [b for b in document.blocks if b.text.replace(" ", "").startswith(start)]
    assert len(found) == 1, (start, [b.text for b in found])
    return found[0]


# ---------------------------------------------------------------- writing small PDFs


Text = tuple[float, str] | tuple[float, str, float]  # (top, text) or (top, text, x)


def make_pdf(
    pages: list[list[Text]],
    *,
    height: float = 400,
    boxes: list[list[tuple[float, float, float, float]]] | None = None,
) -> bytes:
    """A PDF of pages of Helvetica text lines, and of ruled boxes (x, top, width, height)."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for number, lines in enumerate(pages):
        content = b"".join(
            b"BT /F1 10 Tf %.1f %.1f Td (%s) Tj ET\n"
            % (line[2] if len(line) > 2 else 40, height - line[0] - 8, line[1].encode("ascii"))
            for line in lines
        )
        for x, top, width, tall in (boxes or [])[number] if boxes else ():
            content += b"0.5 w %.1f %.1f %.1f %.1f re S\n" % (x, height - top - tall, width, tall)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 %d] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (height, len(objects))
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return _write(objects)


def _write(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def blank_page_pdf() -> bytes:
    return make_pdf([[]])


def undecodable_pdf() -> bytes:
    """Text in a font that maps its glyphs to no characters: pdfminer reads (cid:65)."""
    content = b"BT /F1 12 Tf 20 100 Td <00410042> Tj ET"
    return _write(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Nameless /Encoding /Identity-H"
            b" /DescendantFonts [6 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Nameless /CIDSystemInfo"
            b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>",
            b"<< /Type /FontDescriptor /FontName /Nameless /Flags 4 /FontBBox [0 0 1000 1000]"
            b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
        ]
    )


# ---------------------------------------------------------------- tables


def test_the_two_columns_of_a_table_are_two_cells_of_one_row(plan: Document) -> None:
    row = block(plan, "●地域防災拠点の機能強化")
    assert row.kind is BlockKind.ROW
    assert row.cells == [
        "● 地域防災拠点の機能強化",
        "▶ 拠点運営委員会と連携した開設・運営訓練の実施 ▶ 備蓄資機材の計画的な更新(新規)",
    ]
    rows = [b for b in plan.blocks if b.kind is BlockKind.ROW]
    assert len(rows) == 11  # 3 + (header + 3) + 2 + 2
    assert all(len(r.cells) == 2 for r in rows)
    assert block(plan, "主な取組").cells == ["主な取組", "内容"]


def test_a_cell_wrapped_over_two_lines_stays_one_cell(plan: Document) -> None:
    row = block(plan, "●災害時に支援が必要な方")
    assert row.cells == [
        "● 災害時に支援が必要な方の把握と個別避難計画の作成支援",
        "▶ 民生委員・児童委員や自治会町内会と連携した名簿の更新と、"
        "対象となる方への訪問による計画づくりの支援",
    ]
    assert block(plan, "●親子の居場所づくり").cells[1] == (
        "▶ 地域子育て支援拠点「さくらっこ広場」の出張ひろばを区内の地区センターで新たに開催"
    )
    # the continuations are in no block of their own
    assert not any(t.startswith(("避難計画", "新と", "区内の地区センター")) for t in texts(plan))
    # one line of text per block, the cells joined by TAB
    number = row.first
    assert plan.lines[number - 1] == "\t".join(row.raw[0].split("\t"))
    assert plan.lines[number - 1].count("\t") == 1
    assert "避難計画の作成支援" in plan.lines[number - 1].split("\t")[0]


def test_a_borderless_table_is_read_from_the_columns_of_its_rows() -> None:
    document = read_pdf((FIXTURES / "borderless.pdf").read_bytes(), "borderless.pdf")
    rows = [b.cells for b in document.blocks if b.kind is BlockKind.ROW]
    assert rows == [
        ["主な取組", "内容"],
        [
            "● 地域防災拠点の機能強化",
            "▶ 拠点運営委員会と連携した開設・運営訓練の実施 ▶ 備蓄資機材の計画的な更新(新規)",
        ],
        [
            # its first line ran close to the second column: cut where the column starts
            "● 災害時に支援が必要な方の把握と個別避難計画の作成支援の充実",
            "▶ 民生委員・児童委員や自治会町内会と連携した名簿の更新と、"
            "対象となる方への訪問による計画づくりの支援",
        ],
        ["● 土砂災害・浸水への備え", "▶ ハザードマップを使った出前講座の開催"],
    ]
    last = document.blocks[-1]
    assert last.kind is BlockKind.PARAGRAPH  # the paragraph under the table is no continuation
    assert last.text == "地域の皆さまとともに、防災の取組を進めます。"


def ruled_rows(top: float, rows: list[tuple[str, str]]) -> tuple[list[Text], list]:
    """Text and boxes of a two-column ruled table, one box per cell, rows 20 points tall."""
    lines: list[Text] = []
    boxes = []
    for index, (left, right) in enumerate(rows):
        y = top + 20 * index
        boxes += [(40, y, 120, 20), (160, y, 120, 20)]
        lines += [(y + 5, left, 45)] if left else []
        lines += [(y + 5, right, 165)] if right else []
    return lines, boxes


def test_a_table_row_cut_by_a_page_break_is_one_row() -> None:
    page1, boxes1 = ruled_rows(100, [("Item", "Detail"), ("* Measure one", "- first action")])
    page2, boxes2 = ruled_rows(30, [("", "goes on here"), ("* Measure two", "- second")])
    page3, boxes3 = ruled_rows(30, [("Item", "Detail"), ("* Measure three", "- third")])
    data = make_pdf([page1, page2, page3], boxes=[boxes1, boxes2, boxes3])
    document = read_pdf(data, "made.pdf")
    assert [b.cells for b in document.blocks] == [
        ["Item", "Detail"],
        ["* Measure one", "- first action goes on here"],
        ["* Measure two", "- second"],
        ["Item", "Detail"],  # the header row, repeated on a new page, is no continuation
        ["* Measure three", "- third"],
    ]
    assert all(b.kind is BlockKind.ROW for b in document.blocks)
    # the row before "Measure two" ends on page 2: no new page since then
    assert [b.page_break for b in document.blocks] == [False, False, False, True, False]
    assert document.origin(2).page == 1  # the row starts on page 1


# ---------------------------------------------------------------- lines, pages and furniture


def test_one_block_per_visual_line_outside_tables(plan: Document) -> None:
    heading = block(plan, "1 災害に強いまちづくり")
    assert heading.kind is BlockKind.PARAGRAPH and heading.blank_before
    first = plan.blocks[plan.blocks.index(heading) + 1]
    second = plan.blocks[plan.blocks.index(heading) + 2]
    assert first.text.startswith("急な斜面地") and not first.text.endswith("。")
    assert second.text.startswith("害や浸水に備えます") and not second.blank_before
    statement = block(plan, "・区民の皆さまとともに")
    assert statement.kind is BlockKind.ITEM


def test_page_numbers_and_the_running_header_are_gone(plan: Document) -> None:
    assert not any(t in {"-1-", "-2-", "-3-", "- 1 -", "- 2 -", "- 3 -"} for t in texts(plan))
    assert not any(line.strip("- ").isdigit() for line in plan.lines)
    titles = [b for b in plan.blocks if b.text.replace(" ", "") == TITLE]
    assert len(titles) == 1  # the title on page 1 stays; the header of every page is gone
    assert plan.origin(titles[0].first).page == 1
    assert titles[0] is plan.blocks[0]
    assert all(o.top is not None and o.top > 60 for o in plan.origins)  # the header stood at 35


def test_origins_carry_the_page_and_the_height(plan: Document) -> None:
    assert len(plan.lines) == len(plan.origins) == len(plan.blocks)
    for index, item in enumerate(plan.blocks):
        assert item.lines == [index + 1]
        assert item.raw == [plan.lines[index]]
        assert plan.origins[index].file == "sakuradai-r6.pdf"
    assert {o.page for o in plan.origins} == {1, 2, 3}
    assert plan.origin(block(plan, "各職場の取組目標").first).page == 3
    where = plan.origin(block(plan, "●地域防災拠点の機能強化").first)
    assert where.page == 1 and 500 < where.top < 700
    assert str(where).startswith("sakuradai-r6.pdf p.1 y=")
    assert plan.files == ("sakuradai-r6.pdf",)
    assert plan.media_types == (MEDIA_TYPE,) == ("application/pdf",)


def test_the_first_block_of_a_page_follows_a_page_break(plan: Document) -> None:
    broken = [b for b in plan.blocks if b.page_break]
    assert [plan.origin(b.first).page for b in broken] == [2, 3]
    assert all(b.blank_before for b in broken)
    for item in broken:
        before = plan.blocks[plan.blocks.index(item) - 1]
        assert plan.origin(before.first).page == plan.origin(item.first).page - 1
    # page 2 starts inside a paragraph that page 1 began
    assert broken[0].text.startswith("ない支援を")
    assert not plan.blocks[0].page_break and not plan.blocks[0].blank_before


def header_pages(*, title_in_body: bool) -> list[list[tuple[float, str]]]:
    pages = []
    for number, footer in enumerate(["- 1 -", "2", "P.3"], start=1):
        lines = [(12, "Sakuradai Ward Plan 2024")]
        if number == 1 and title_in_body:
            lines.append((60, "Sakuradai Ward Plan 2024"))
        if number > 1:
            lines.append((40, f"Sections ({number - 1}/2)"))
        lines += [(100, f"Body text of page {number}."), (114, "It goes on here.")]
        lines.append((380, footer))
        pages.append(lines)
    return pages


def test_a_running_header_goes_but_the_title_in_the_body_stays() -> None:
    document = read_pdf(make_pdf(header_pages(title_in_body=True)), "made.pdf")
    found = [(document.origin(b.first).page, b.text) for b in document.blocks]
    assert found == [
        (1, "Sakuradai Ward Plan 2024"),
        (1, "Body text of page 1."),
        (1, "It goes on here."),
        # a heading continued over pages is not a running header
        (2, "Sections (1/2)"),
        (2, "Body text of page 2."),
        (2, "It goes on here."),
        (3, "Sections (2/2)"),
        (3, "Body text of page 3."),
        (3, "It goes on here."),
    ]
    assert document.origin(1).top == pytest.approx(60, abs=3)


def test_a_title_found_only_in_the_running_header_stays_on_page_1() -> None:
    document = read_pdf(make_pdf(header_pages(title_in_body=False)), "made.pdf")
    headers = [b for b in document.blocks if b.text == "Sakuradai Ward Plan 2024"]
    assert len(headers) == 1 and document.origin(headers[0].first).page == 1
    assert document.origin(headers[0].first).top == pytest.approx(12, abs=3)
    assert not any(b.text in {"- 1 -", "2", "P.3"} for b in document.blocks)


def test_a_lone_number_is_a_page_number_only_where_the_page_numbers_run() -> None:
    pages: list[list[Text]] = [
        [(100, "First page."), (380, "1")],
        [(30, "1"), (44, "Heading of part one"), (100, "Second page."), (380, "2")],
        [(100, "Third page."), (380, "3")],
    ]
    document = read_pdf(make_pdf(pages), "made.pdf")
    assert [b.text for b in document.blocks] == [
        "First page.",
        "1",  # a heading number at the top of page 2, not its page number
        "Heading of part one",
        "Second page.",
        "Third page.",
    ]


# ---------------------------------------------------------------- files that are not text PDFs


def not_a_text_pdf() -> list[tuple[str, bytes]]:
    return [
        ("plan.pdf", "令和6年度 さくら台区運営方針\n".encode()),  # text named .pdf
        ("empty.pdf", b""),
        ("blank.pdf", blank_page_pdf()),
        ("cid.pdf", undecodable_pdf()),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog"),
        ("locked.pdf", (FIXTURES / "locked.pdf").read_bytes()),
        ("picture.png", (FIXTURES.parent.parent / "bad" / "bad-binary.png").read_bytes()),
    ]


@pytest.mark.parametrize(("name", "data"), not_a_text_pdf(), ids=lambda v: str(v)[:12])
def test_what_is_not_a_text_pdf_is_a_plan_error_naming_the_file(name: str, data: bytes) -> None:
    with pytest.raises(PlanError) as caught:
        read_pdf(data, name)
    message = str(caught.value)
    assert caught.value.filename == name and message.startswith(name)
    assert "\n" not in message


def test_the_errors_say_what_is_wrong() -> None:
    def error(data: bytes) -> str:
        with pytest.raises(PlanError) as caught:
            read_pdf(data, "x.pdf")
        return caught.value.message

    assert error(b"") == "empty file"
    assert error(b"hello") == "not a PDF file"
    assert error(blank_page_pdf()) == "no text layer (a scanned PDF?); give the text instead"
    assert "encrypted" in error((FIXTURES / "locked.pdf").read_bytes())
    assert "do not map their characters" in error(undecodable_pdf())


def test_a_scanned_page_has_no_text_layer() -> None:
    buffer = io.BytesIO()
    Image.new("L", (40, 30), 255).save(buffer, "PDF", resolution=72)
    with pytest.raises(PlanError, match=r"^scan\.pdf: no text layer"):
        read_pdf(buffer.getvalue(), "scan.pdf")


# ---------------------------------------------------------------- dispatch and the plan


def test_read_document_dispatches_pdf_on_the_suffix(tmp_path: Path) -> None:
    document = read_document(PLAN)
    assert document.media_types == ("application/pdf",)
    assert document.files == (str(PLAN),)
    upper = tmp_path / "PLAN.PDF"
    shutil.copy(PLAN, upper)
    assert read_document(upper).lines == document.lines
    fake = tmp_path / "fake.pdf"
    fake.write_text("令和6年度 さくら台区運営方針\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"fake\.pdf: not a PDF file"):
        read_document(fake)


def test_the_plan_reader_reads_the_plan_in_the_pdf() -> None:
    reading = read_reading([PLAN])
    plan = reading.plan
    assert (plan.ward_name, plan.fiscal_year) == ("さくら台区", 2024)
    assert plan.basic_goal is not None
    assert plan.basic_goal.slogan == "ひと・みどり・まちがつながる笑顔あふれるさくら台"
    assert plan.basic_goal.subtitle == "区制50周年、次の半世紀へ"
    assert len(plan.basic_goal.statements) == 3
    areas = plan.focus_areas
    assert [a.name for a in areas] == [
        "災害に強いまちづくり",
        "子育てを地域で支えるまち",
        "健康で安心して暮らせるまち",
        "地域の力を生かした協働の推進",
    ]
    assert [a.is_priority for a in areas] == [True, True, False, False]
    assert areas[3].kind is AreaKind.FOUNDATION
    assert [len(a.measures) for a in areas] == [3, 3, 2, 2]
    assert sum(len(m.actions) for a in areas for m in a.measures) == 11
    wrapped = areas[0].measures[1]
    assert wrapped.title == "災害時に支援が必要な方の把握と個別避難計画の作成支援"
    # the paragraph cut by the page break is one description again
    assert "切れ目のない支援を" in areas[1].description
    assert [s.name for s in plan.sections] == [
        "総務課",
        "区政推進課",
        "地域振興課",
        "福祉保健課",
        "さくら台土木事務所",
    ]
    assert plan.contact is not None and plan.contact.telephone == "045-000-1234"
    assert reading.warnings == ()
    assert reading.coverage == 1.0
