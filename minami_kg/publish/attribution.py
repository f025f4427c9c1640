"""Licence and attribution, written once: the 出典 and 加工 lines every face repeats.

Japanese open data follows the 政府標準利用規約 (第2.0版), which is compatible
with CC BY 4.0: a reuser names the source (「出典」: the title, who published
it, its URL) and, when the content was edited, says so in a line of its own
(「…を加工して作成」), without suggesting that the publisher of the source made
the derived work. This graph is such a derived work: it is read from the wards'
documents and edited (structured, linked, translated). So every face says
three things: the dataset's own licence (setting `licence`, default CC BY 4.0,
and its publisher, setting `publisher`), the source of each plan (the title
and URL its manifest gives), and that we edited them and they did not make it.

The lines are built here and nowhere else; their users:

- `/dataset` (HTML, and the DCAT description: `dcterms:license`, a
  `dcterms:RightsStatement` holding these lines in Japanese and English via
  `dcterms:rights`, and `dcterms:source` to each plan's source);
- the footer of every page;
- every xlsx download (a sheet 「出典・利用条件」);
- CSV downloads, which have no room for a sheet: a `Link: <…/dataset>;
  rel="license"` header, and the same lines in the dumps' README;
- the dumps' README.
"""

from __future__ import annotations

from dataclasses import dataclass

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.store import GraphStore, select

LICENCE_NAMES: dict[str, tuple[str, str]] = {
    "https://creativecommons.org/licenses/by/4.0/": (
        "クリエイティブ・コモンズ 表示 4.0 国際 (CC BY 4.0)",
        "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    ),
    "https://creativecommons.org/publicdomain/zero/1.0/": (
        "CC0 1.0 全世界 パブリック・ドメイン提供",
        "CC0 1.0 Universal Public Domain Dedication",
    ),
    "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0": (
        "公共データ利用規約 (第1.0版)",
        "Public Data License (Version 1.0)",
    ),
}
"""Names of licences an operator is likely to choose; any other IRI is shown as itself."""

SHEET_TITLE = "出典・利用条件"
"""The name of the attribution sheet of every xlsx download."""

_SOURCES = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?document ?title ?url ?ward ?city WHERE {
  ?plan a mkg:OperatingPolicy ; prov:hadPrimarySource ?document ; dcterms:publisher ?org .
  ?document dcterms:title ?title .
  OPTIONAL { ?document dcterms:source ?url }
  OPTIONAL { ?org skos:prefLabel ?ward FILTER(LANG(?ward) = "ja") }
  OPTIONAL { ?org org:unitOf/skos:prefLabel ?city FILTER(LANG(?city) = "ja") }
} ORDER BY ?plan ?url
"""
)


@dataclass(frozen=True)
class SourceCredit:
    """One plan's source document, as its manifest describes it."""

    plan: str  # our IRI of the plan
    document: str  # our IRI of the document we read
    title: str  # 令和4年度 南区運営方針
    publisher: str | None  # 横浜市南区
    url: str | None  # where the ward publishes it, when the manifest says

    def cited(self, lang: str) -> str:
        """「title」(publisher)(URL), the form 政府標準利用規約 gives for a source."""
        if lang == "ja":
            parts = [f"「{self.title}」"]
            parts += [f"（{v}）" for v in (self.publisher, self.url) if v]
            return "".join(parts)
        parts = [f"“{self.title}”"] + [f"({v})" for v in (self.publisher, self.url) if v]
        return " ".join(parts)


@dataclass(frozen=True)
class Attribution:
    """The dataset's licence and publisher, and the sources it was made from."""

    licence: str  # an IRI (setting `licence`)
    publisher: str  # who publishes this dataset (setting `publisher`)
    sources: tuple[SourceCredit, ...] = ()

    def licence_name(self, lang: str) -> str:
        names = LICENCE_NAMES.get(self.licence)
        if names is None:
            return self.licence
        return names[0] if lang == "ja" else names[1]

    def licence_line(self, lang: str) -> str:
        if lang == "ja":
            return (
                f"このデータセットは{self.publisher}が{self.licence_name('ja')}"
                f"（{self.licence}）の下で提供しています。"
            )
        return (
            f"{self.publisher} provides this dataset under the "
            f"{self.licence_name('en')} licence ({self.licence})."
        )

    def source_lines(self, lang: str) -> list[str]:
        """One 出典 line per source document."""
        label = "出典：" if lang == "ja" else "Source: "
        return [label + source.cited(lang) for source in self.sources]

    def edited_line(self, lang: str) -> str | None:
        """The 「…を加工して作成」 line, separate from the 出典 lines; None without sources."""
        if not self.sources:
            return None
        if lang == "ja":
            return "、".join(s.cited("ja") for s in self.sources) + "を加工して作成"
        return "Created by editing " + "; ".join(s.cited("en") for s in self.sources) + "."

    def disclaimer(self, lang: str) -> str:
        """That we made the derived work, not the publishers of the sources."""
        publishers = sorted({s.publisher for s in self.sources if s.publisher})
        if lang == "ja":
            who = "・".join(publishers) or "出典の作成者"
            return (
                f"このデータセットは{self.publisher}が出典を構造化・加工して作成したものであり、"
                f"{who}が作成したものではありません。"
            )
        who = ", ".join(publishers) or "the publishers of the sources"
        return (
            f"{self.publisher} made this dataset by structuring and editing the sources; "
            f"it was not made by {who}."
        )

    def lines(self, lang: str) -> list[str]:
        """Everything a reuser needs to credit, in order: licence, 出典, 加工, disclaimer."""
        edited = self.edited_line(lang)
        return [
            self.licence_line(lang),
            *self.source_lines(lang),
            *([edited] if edited else []),
            self.disclaimer(lang),
        ]

    def short_lines(self, lang: str, limit: int = 3) -> list[str]:
        """The 出典 and 加工 lines for a page footer: in full for a few sources, else a count
        (the full list is on `/dataset`)."""
        if len(self.sources) <= limit:
            edited = self.edited_line(lang)
            return [*self.source_lines(lang), *([edited] if edited else [])]
        count = len(self.sources)
        if lang == "ja":
            return [
                f"出典：各区の区運営方針 {count} 件（一覧はデータセットのページ）",
                "これらを加工して作成",
            ]
        return [
            f"Sources: {count} ward operating policies (listed on the dataset page)",
            "Created by editing them.",
        ]

    def statement(self, lang: str) -> str:
        """The lines as one text: the literal of the DCAT rights statement."""
        return "\n".join(self.lines(lang))


def read_sources(store: GraphStore) -> tuple[SourceCredit, ...]:
    """The source document of every plan in the store, with its publisher's name."""
    found: dict[tuple[str, str | None], SourceCredit] = {}
    for row in select(store, _SOURCES):
        ward, city = row["ward"], row["city"]
        publisher = "".join(term.value for term in (city, ward) if term is not None) or None
        url = row["url"].value if row["url"] is not None else None
        credit = SourceCredit(
            plan=row["plan"].value,
            document=row["document"].value,
            title=row["title"].value,
            publisher=publisher,
            url=url,
        )
        found.setdefault((credit.plan, url), credit)
    return tuple(found.values())


def read_attribution(store: GraphStore, licence: str, publisher: str) -> Attribution:
    return Attribution(licence=licence, publisher=publisher, sources=read_sources(store))
