"""Japanese local-government identifiers: the 全国地方公共団体コード and e-Stat's area codes.

Portals and analysts in Japan join datasets on the six-digit local government
code (JIS X 0402 plus a check digit): 横浜市 141003, 南区 141054. The curation
keeps the five-digit form (`data/curation/wards.toml`), which is what JIS X 0402
and most statistics tables print; the sixth digit is computed here, so a typo in
the curation file cannot pass as a code.

The check digit (総務省, 「全国地方公共団体コード」の検査数字): multiply the five
digits by 6, 5, 4, 3, 2 and add them up; take the remainder mod 11; the check
digit is 11 minus that remainder, keeping only its last digit when it has two
(a remainder of 0 gives 11 → 1, a remainder of 1 gives 10 → 0).

e-Stat's statistical LOD (統計LOD) publishes every standard area code
(標準地域コード, the same five digits) as `http://data.e-stat.go.jp/lod/sac/C{code}`,
plus one dated resource per version of the area (`C14105-19700401`). We link to
the undated one: it names the code across its versions and does not change when
the area's boundary does.

Nothing here does IO.
"""

from __future__ import annotations

import re

FIVE_DIGITS = re.compile(r"[0-9]{5}")
WEIGHTS = (6, 5, 4, 3, 2)
ESTAT_SAC = "http://data.e-stat.go.jp/lod/sac/"
"""The namespace of e-Stat's standard area codes (統計LOD, 標準地域コード)."""


def check_digit(code: str) -> str:
    """The check digit of a five-digit local government code: 14105 → "4"."""
    if not FIVE_DIGITS.fullmatch(code):
        raise ValueError(f"{code!r}: a local government code has five digits (e.g. 14105)")
    remainder = sum(int(digit) * weight for digit, weight in zip(code, WEIGHTS, strict=True)) % 11
    return str((11 - remainder) % 10)


def six_digit_code(code: str) -> str:
    """The full 全国地方公共団体コード of a five-digit one: 14105 → 141054."""
    return code + check_digit(code)


def is_valid_six_digit_code(code: str) -> bool:
    """Whether `code` is six digits whose last is the check digit of the first five."""
    return (
        len(code) == 6
        and FIVE_DIGITS.fullmatch(code[:5]) is not None
        and (check_digit(code[:5]) == code[5])
    )


def estat_area_iri(code: str) -> str:
    """e-Stat's standard-area-code resource of a five-digit code: 14105 → …/sac/C14105."""
    if not FIVE_DIGITS.fullmatch(code):
        raise ValueError(f"{code!r}: a standard area code has five digits (e.g. 14105)")
    return f"{ESTAT_SAC}C{code}"
