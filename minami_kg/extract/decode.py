"""Bytes to text: the encodings ward offices actually publish in.

Strict UTF-8 is tried first because charset detection mislabels short
Japanese text; then BOMs, then CP932 (Shift_JIS as Windows writes it), and
only then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
import unicodedata

from .errors import PlanError

__all__ = ["decode"]

_BINARY = "binary data, not a text document"


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(text: str) -> bool:
    """Mostly control characters (or any NUL) means this was never text."""
    if "\x00" in text:
        return True
    if not text:
        return False
    controls = sum(
        1 for ch in text if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Co", "Cs")
    )
    return controls > max(2, len(text) // 20) or ("\ufffd" in text[:4096] and controls > 0)


def _forced(data: bytes, encoding: str, filename: str | None) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise PlanError(f"unknown encoding {encoding!r}", filename=filename) from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    if name == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = "utf-16-le"
    try:
        text = data.decode(name)
    except UnicodeDecodeError as err:
        raise PlanError(
            f"cannot decode as {encoding}: invalid byte at offset {err.start}", filename=filename
        ) from None
    return text.removeprefix("\ufeff")


def _guess(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for name in ("utf-8", "cp932"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


def decode(data: bytes, *, encoding: str | None = None, filename: str | None = None) -> str:
    """Decode a plan file to text with LF line ends, or raise PlanError."""
    text = _forced(data, encoding, filename) if encoding else _guess(data)
    if text is None or _looks_binary(text):
        raise PlanError(_BINARY, filename=filename)
    return _newlines(text)
