"""The tokens of SPARQL text, read the way the grammar does (SPARQL 1.1 Query §19).

One lexer for every place that must look inside a query without parsing it:
the endpoint's checks (SERVICE, LOAD, the protocol's USING clauses) and the
remote store, which finds a query's form, dataset clause and WHERE group.
pyoxigraph parses queries but exposes no syntax tree, so this is the least
that finds a keyword outside comments, strings, IRIs and names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_VARIABLE = re.compile(r"[?$][\w\u00B7-\U0010FFFF]+")
# Keywords, prefixed names, blank node labels and numbers: a run of name characters.
_WORD = re.compile(r"(?:[\w\u00B7-\U0010FFFF:%.\-]|\\.)+")
_SPACE = re.compile(r"\s+")


def unescape_codepoints(text: str) -> str:
    """Undo `\\uXXXX` / `\\UXXXXXXXX` everywhere, as the SPARQL grammar does before parsing."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        try:
            return chr(code)
        except (ValueError, OverflowError):
            return match.group(0)  # not a code point: the parser will report it

    return _CODEPOINT.sub(replace, text)


@dataclass(frozen=True)
class Token:
    kind: str  # word, iri, var, string, lang, punct
    text: str
    start: int

    def is_keyword(self, *names: str) -> bool:
        """A bare word (no colon) equal, ignoring case, to one of `names`."""
        if self.kind != "word" or ":" in self.text:
            return False
        return self.text.rstrip(".").upper() in names


def tokens(text: str) -> Iterator[Token]:
    """The tokens of (already unescaped) SPARQL text, without comments and spaces."""
    i, end = 0, len(text)
    while i < end:
        c = text[i]
        if c.isspace():
            i = _SPACE.match(text, i).end()  # type: ignore[union-attr]
        elif c == "#":
            newline = min(
                (p for p in (text.find("\n", i), text.find("\r", i)) if p >= 0), default=end
            )
            i = newline
        elif c in "'\"":
            stop = _string_end(text, i)
            yield Token("string", text[i:stop], i)
            i = stop
        elif c == "<" and (m := IRI.match(text, i)):
            yield Token("iri", m.group(0), i)
            i = m.end()
        elif c == "@" and (m := _LANGTAG.match(text, i)):
            yield Token("lang", m.group(0), i)
            i = m.end()
        elif c in "?$" and (m := _VARIABLE.match(text, i)):
            yield Token("var", m.group(0), i)
            i = m.end()
        elif m := _WORD.match(text, i):
            yield Token("word", m.group(0), i)
            i = m.end()
        else:
            yield Token("punct", c, i)
            i += 1


def _string_end(text: str, start: int) -> int:
    """Index just after the string literal opening at `start` (or the end of an unclosed one)."""
    quote = text[start]
    long = text.startswith(quote * 3, start)
    i = start + (3 if long else 1)
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if long:
            if text.startswith(quote * 3, i):
                return i + 3
        elif c == quote:
            return i + 1
        elif c in "\n\r":
            return i  # short strings end at a line break; the parser will complain
        i += 1
    return len(text)
