"""Plain text, as ward offices publish it or as it was copied out of a PDF.

Every line is a block of its own: a table row when it holds TABs (「●
measure<TAB>▶ action」, 「section<TAB>goal」), a list item when it starts
with a marker, otherwise a paragraph line. Blank lines and rule rows ("----")
separate blocks; a page marker (「- 2 -」, 「（1/2）」) is a page break.
"""

from __future__ import annotations

import re

from ..blocks import Block, Document, Origin
from ..decode import decode
from ..lines import line_kind
from ..normalize import fold_width, is_page_marker, is_rule_line, normalize_text

MEDIA_TYPE = "text/plain"


def text_blocks(lines: list[str]) -> list[Block]:
    """One block per line of text that holds any."""
    blocks: list[Block] = []
    blank = page = False
    for index, raw in enumerate(lines):
        if is_page_marker(raw):
            page = True
            continue
        if not raw.strip() or is_rule_line(raw):
            blank = True
            continue
        cells = [c.strip() for c in re.split(r"\t+", fold_width(raw).strip())]
        cells = [c for c in cells if c] or [""]
        if not normalize_text(" ".join(cells)):
            blank = True
            continue
        blocks.append(
            Block(
                line_kind(cells),
                cells,
                [index + 1],
                [raw],
                blank_before=blank or page,
                page_break=page,
            )
        )
        blank = page = False
    return blocks


def text_document(text: str, filename: str) -> Document:
    """A text (already decoded, LF line ends) as a Document."""
    lines = text.split("\n")
    return Document(
        lines=lines,
        origins=[Origin(filename, n) for n in range(1, len(lines) + 1)],
        blocks=text_blocks(lines),
        files=(filename,),
        media_types=(MEDIA_TYPE,),
    )


def read_text(data: bytes, filename: str, *, encoding: str | None = None) -> Document:
    """Decode a text file (any of the encodings wards publish in) into a Document."""
    return text_document(decode(data, encoding=encoding, filename=filename), filename)
