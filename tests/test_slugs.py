"""Slugs: curated first, a readable romanisation otherwise, unique within a plan."""

from __future__ import annotations

import pytest

from minami_kg.rdf.slugs import slugify, unique_slugs


@pytest.mark.parametrize(
    ("japanese", "slug"),
    [
        ("減災", "gensai"),
        ("賑わい", "nigiwai"),
        ("健やか", "sukoyaka"),
        ("地域の力", "chiiki-no-chikara"),
        ("総務課", "somuka"),
        ("高齢・障害支援課", "korei-shogai-shien-ka"),
        ("ＩＣＴの活用", "ict-no-katsuyo"),
        ("", "x"),
        ("！？", "x"),
    ],
)
def test_slugify(japanese: str, slug: str) -> None:
    assert slugify(japanese) == slug


def test_slugs_are_ascii_and_bounded() -> None:
    slug = slugify("区民の皆さまとの協働のもとで「あつたかい」南区をつくります" * 3)
    assert slug.isascii()
    assert len(slug) <= 48
    assert not slug.endswith("-")


def test_unique_slugs_prefers_curated_and_numbers_clashes() -> None:
    curated = {"減災": "gensai"}
    assert unique_slugs(["減災", "げんさい", "減災"], curated) == ["gensai", "gensai-2", "gensai-3"]
