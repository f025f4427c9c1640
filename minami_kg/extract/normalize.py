"""Pure text normalisation for plan documents.

Ward offices publish the same kind of text through Word, PDF extraction and
hand-typed HTML, so the same words arrive with full-width digits, stray spaces
between every character, page markers and lines broken mid-sentence. These
functions fold those differences away so that names and texts compare equal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ends_sentence",
    "fold_width",
    "is_japanese",
    "is_page_marker",
    "is_rule_line",
    "join_lines",
    "normalize_text",
    "smart_join",
    "squeeze_spaces",
    "strip_page_marker",
]

WAVE_DASH = "〜"  # U+301C; U+FF5E (～) is folded onto it
_HYPHENS = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\ufe63": "-"}
_SENTENCE_END = "。！？!?」』."


def fold_width(text: str) -> str:
    """Fold full-width ASCII and half-width katakana; keep Japanese punctuation.

    Unlike plain NFKC this keeps ①, 〜 and 「」、。・ as they are, because they
    carry structure (circled numbers are headings, 〜 marks a subtitle).
    """
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in ("\uff5e", WAVE_DASH):
            out.append(WAVE_DASH)
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000" or ch == "\u00a0":
            out.append(" ")
        elif ch == "\uff65":
            out.append("・")
        elif 0xFF61 <= code <= 0xFF9F or 0x2160 <= code <= 0x217F:
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch in _HYPHENS:
            out.append(_HYPHENS[ch])
        elif ch in ("\u200b", "\ufeff"):
            continue
        else:
            out.append(ch)
    # half-width katakana can leave a base letter and a separate voiced mark
    return unicodedata.normalize("NFC", "".join(out))


def is_japanese(ch: str) -> bool:
    """True for kana, kanji and the Japanese punctuation that never takes spaces."""
    code = ord(ch)
    return (
        0x3000 < code <= 0x303F  # CJK symbols: 、。「」〜々
        or 0x3040 <= code <= 0x30FF  # hiragana, katakana, ・ ー
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x2460 <= code <= 0x24FF  # circled numbers
        or ch in "※〇ヶ"
    )


def _sticks(left: str, right: str) -> bool:
    """Whether a space between these two characters is a PDF artefact."""
    lj, rj = is_japanese(left), is_japanese(right)
    if lj and rj:
        return True
    if lj and (right.isascii() and right.isalnum()):
        return True
    return bool(rj and left.isascii() and left.isalnum())


_SPACE_RUN = re.compile(r"[ \t\u3000\u00a0\f\v]+")
# three or more single characters each one space apart: a letter-spaced title or heading
# as an older PDF's text comes out (「区 制 5 0 周 年」), whose spaces are no word breaks
_LETTER_SPACED = re.compile(r"(?<!\S)(?:\S ){2,}\S(?!\S)")


def squeeze_spaces(text: str) -> str:
    """Collapse whitespace and drop the spaces PDF extraction puts in Japanese text.

    "区制 80 周年" → "区制80周年", "ICT の活用" → "ICTの活用", "区 制 5 0 周 年" →
    "区制50周年", but "New York" keeps its space (two Latin words).
    """
    text = _LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _SPACE_RUN.sub(" ", text).strip()
    if " " not in text:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " " and 0 < i < len(text) - 1 and _sticks(text[i - 1], text[i + 1]):
            continue
        out.append(ch)
    return "".join(out)


def normalize_text(text: str) -> str:
    """The normal form of a title or a sentence: width folded, spaces squeezed."""
    return squeeze_spaces(fold_width(text))


_PAGE_MARKER_LINE = re.compile(
    r"^(?:[-―]\s*\d+\s*[-―]|\(\s*\d+\s*/\s*\d+\s*\)|\d+\s*/\s*\d+|[-―]?\s*\d+\s*ページ|P\.?\s*\d+)$"
)
_PAGE_MARKER_TAIL = re.compile(r"\s*\(\s*\d+\s*/\s*\d+\s*\)\s*$")
_RULE_LINE = re.compile(r"^[\s\-=_―━──┅┄・.*＊]+$")


def is_page_marker(line: str) -> bool:
    """A line that only says which page it is: "- 2 -", "（1/2）", "2 / 5"."""
    return bool(_PAGE_MARKER_LINE.match(fold_width(line).strip()))


def strip_page_marker(line: str) -> str:
    """Remove a trailing "（1/2）" from a heading such as 各職場の取組目標（1/2）."""
    return _PAGE_MARKER_TAIL.sub("", fold_width(line))


def is_rule_line(line: str) -> bool:
    """A table rule row ("-------<TAB>---", "━━━━"): decoration, not content."""
    stripped = fold_width(line).strip()
    if len(stripped.replace(" ", "").replace("\t", "")) < 3:
        return False
    return bool(_RULE_LINE.match(stripped)) and any(c in stripped for c in "-=_―━─┅┄")


def ends_sentence(text: str) -> bool:
    """Whether a line ends a sentence, so the next line cannot continue it."""
    text = text.rstrip()
    return bool(text) and text[-1] in _SENTENCE_END


def smart_join(left: str, right: str) -> str:
    """Join two pieces of one sentence: no space in Japanese, one between words."""
    if not left:
        return right
    if not right:
        return left
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


_MARKER_START = re.compile(r"^\s*(?:[●○◆◇■□・•▶▷►→⇒※\-*]|\d+[.．)]|[(（【]\s*\d+|[①-⑳])")


def join_lines(lines: list[str], *, min_wrap: int = 20) -> list[str]:
    """Join lines broken mid-sentence inside a paragraph; be conservative.

    A line is continued by the next one only when it is long enough to have
    been wrapped (`min_wrap` characters), does not end a sentence, and the next
    line is neither blank, a page marker, nor a bullet or numbered heading.
    """
    out: list[str] = []
    can_continue = False
    for raw in lines:
        line = normalize_text(raw)
        if not line or is_page_marker(raw) or is_rule_line(raw):
            out.append("")
            can_continue = False
            continue
        if can_continue and out and not _MARKER_START.match(line):
            out[-1] = smart_join(out[-1], line)
        else:
            out.append(line)
        can_continue = len(out[-1]) >= min_wrap and not ends_sentence(out[-1])
    return out
