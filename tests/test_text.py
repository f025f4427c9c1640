"""Japanese text analysis: SudachiPy mode A, normalized forms, spans, frequencies."""

from __future__ import annotations

from minami_kg.text import DocumentFrequency, compounds, normalize, terms


def forms(text: str) -> list[str]:
    return [t.form for t in terms(text)]


def test_spelling_variants_meet_in_one_form() -> None:
    assert forms("子ども") == forms("こども") == forms("子供") == ["子供"]
    assert forms("さくら") == forms("桜") == ["桜"]


def test_full_width_is_folded_before_analysis() -> None:
    assert normalize("ＩＣＴ　８０周年") == "ICT 80周年"
    assert "ICT" in forms("ＩＣＴの活用")


def test_content_words_only_with_spans_into_the_normalised_text() -> None:
    text = "戸籍課・保険年金課の窓口混雑状況をリアルタイムに配信"
    found = terms(text)
    assert [t.form for t in found][:4] == ["戸籍", "課", "保険", "年金"]  # mode A: short units
    for term in found:
        assert normalize(text)[term.start : term.end] == term.surface
    assert "の" not in {t.form for t in found}
    assert "を" not in {t.form for t in found}


def test_mode_a_splits_and_compounds_join_again() -> None:
    found = terms("適正・迅速な滞納整理の推進、国民健康保険特定健診")
    assert "滞納" in [t.form for t in found] and "整理" in [t.form for t in found]
    joined = {t.form for t in compounds(found)}
    assert {"滞納整理", "特定健診"} <= joined
    assert "迅速滞納" not in joined  # 迅速 is not a noun, and the ・ breaks the run anyway


def test_common_words_weigh_little() -> None:
    paragraphs = [
        set(forms("地域の支援を推進します。")),
        set(forms("地域で滞納整理を推進します。")),
        set(forms("地域の防災を支援します。")),
    ]
    df = DocumentFrequency(paragraphs)
    assert df.share("地域") == 1.0
    assert df.idf("地域") < df.idf("滞納") < df.idf("存在しない語")
    assert df.idf("地域") >= 0
