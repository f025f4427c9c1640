"""Issue 21: local government codes, e-Stat area codes and the IMI core vocabulary.

The six-digit 全国地方公共団体コード of Yokohama and its 18 wards, computed from the
curated five-digit codes, against the published list; the seed's ward and city in
the graph; the ontology's alignments to IMI core 2.4.2 as `/ontology` shows them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode
from rdflib import RDFS, Graph, URIRef

from minami_kg.build import graph_quads, read_sources
from minami_kg.config import PROJECT_ROOT
from minami_kg.curation import CurationError, load_curation
from minami_kg.localgov import (
    check_digit,
    estat_area_iri,
    is_valid_six_digit_code,
    six_digit_code,
)
from minami_kg.rdf.namespaces import DCTERMS, IC, MKG, RDF
from minami_kg.sources import SourceError
from minami_kg.store import EmbeddedStore, select

from .conftest import settings_for

BASE = "http://127.0.0.1:8000/"

# 総務省 全国地方公共団体コード (JIS X 0402 with the check digit): the city, then its wards in
# the official order. Five digits as JIS X 0402 and e-Stat print them, six as the codes list does.
YOKOHAMA = {
    "横浜市": ("yokohama", "14100", "141003"),
    "鶴見区": ("tsurumi", "14101", "141011"),
    "神奈川区": ("kanagawa", "14102", "141020"),
    "西区": ("nishi", "14103", "141038"),
    "中区": ("naka", "14104", "141046"),
    "南区": ("minami", "14105", "141054"),
    "保土ケ谷区": ("hodogaya", "14106", "141062"),
    "磯子区": ("isogo", "14107", "141071"),
    "金沢区": ("kanazawa", "14108", "141089"),
    "港北区": ("kohoku", "14109", "141097"),
    "戸塚区": ("totsuka", "14110", "141101"),
    "港南区": ("konan", "14111", "141119"),
    "旭区": ("asahi", "14112", "141127"),
    "緑区": ("midori", "14113", "141135"),
    "瀬谷区": ("seya", "14114", "141143"),
    "栄区": ("sakae", "14115", "141151"),
    "泉区": ("izumi", "14116", "141160"),
    "青葉区": ("aoba", "14117", "141178"),
    "都筑区": ("tsuzuki", "14118", "141186"),
}


@pytest.mark.parametrize("name", list(YOKOHAMA))
def test_six_digit_code_of_each_ward_and_the_city(name: str) -> None:
    _, five, six = YOKOHAMA[name]
    assert six_digit_code(five) == six
    assert is_valid_six_digit_code(six)


def test_the_check_digit_rule_at_its_edges() -> None:
    """Remainder 0 gives 11 and remainder 1 gives 10: only the last digit is kept."""
    assert check_digit("14110") == "1"  # 6+20+4+3+0 = 33, remainder 0
    assert check_digit("14111") == "9"
    assert check_digit("14116") == "0"  # 6+20+4+3+12 = 45, remainder 1
    assert not is_valid_six_digit_code("141055")
    assert not is_valid_six_digit_code("14105")
    for bad in ("1410", "141054", "14a05", ""):
        with pytest.raises(ValueError, match="five digits"):
            check_digit(bad)


def test_the_curation_holds_every_ward_of_yokohama() -> None:
    curation = load_curation(PROJECT_ROOT / "data" / "curation")
    city = curation.city("横浜市")
    assert city is not None and (city.slug, city.code, city.full_code) == YOKOHAMA["横浜市"]
    wards = {w.name: w for w in curation.wards.values() if w.city == "横浜市"}
    assert set(wards) == set(YOKOHAMA) - {"横浜市"}
    for name, ward in wards.items():
        assert (ward.slug, ward.code, ward.full_code) == YOKOHAMA[name], name


def test_a_code_that_is_not_five_digits_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "wards.toml").write_text(
        '[ward."南区"]\nslug = "minami"\ncity = "横浜市"\ncode = "141054"\n', encoding="utf-8"
    )
    with pytest.raises(CurationError, match=r"南区.*five-digit"):
        load_curation(tmp_path)


def test_estat_area_iri() -> None:
    assert estat_area_iri("14105") == "http://data.e-stat.go.jp/lod/sac/C14105"
    with pytest.raises(ValueError):
        estat_area_iri("141054")


def _has(store: EmbeddedStore, s: str, p: NamedNode, o: NamedNode | Literal) -> bool:
    return bool(store.query(f"ASK {{ {NamedNode(s)} {p} {o} }}"))


def test_the_seed_ward_and_city_carry_their_codes_and_e_stat_links(
    seed_store: EmbeddedStore,
) -> None:
    ward, city = BASE + "id/minami", BASE + "id/city/yokohama"
    sac = "http://data.e-stat.go.jp/lod/sac/"
    assert _has(seed_store, ward, DCTERMS.identifier, Literal("141054"))
    assert _has(seed_store, ward, MKG.localGovernmentCode, Literal("14105"))
    assert _has(seed_store, ward, MKG.statisticalArea, NamedNode(sac + "C14105"))
    assert _has(seed_store, city, DCTERMS.identifier, Literal("141003"))
    assert _has(seed_store, city, MKG.statisticalArea, NamedNode(sac + "C14100"))
    for body, name in ((ward, "南区"), (city, "横浜市")):
        assert _has(seed_store, body, RDF.type, IC["組織型"])
        assert _has(seed_store, body, IC["名称"], NamedNode(body + "#name"))
        assert _has(seed_store, body + "#name", IC["表記"], Literal(name, language="ja"))


def test_the_ward_offices_contact_in_the_imi_vocabulary(seed_store: EmbeddedStore) -> None:
    """The numbers are the document's own (お問合せ先 at its end), not made up."""
    contact = BASE + "id/minami/2022/contact"
    assert _has(seed_store, BASE + "id/minami", IC["連絡先"], NamedNode(contact))
    assert _has(seed_store, contact, RDF.type, IC["連絡先型"])
    document = (PROJECT_ROOT / "data/sources/minami/2022/minami-r4-unei-hoshin.txt").read_text()
    numbers = f"{IC['電話番号']} {IC['FAX番号']}"
    query = f"SELECT ?n WHERE {{ VALUES ?p {{ {numbers} }} <{contact}> ?p ?n }}"
    phones = [row["n"].value for row in select(seed_store, query)]
    assert len(phones) == 2
    for number in phones:
        assert number in document


# ---------------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------------

ICNS = "http://imi.go.jp/ns/core/rdf#"


def test_the_ontology_aligns_organisations_to_imi() -> None:
    graph = Graph().parse(PROJECT_ROOT / "ontology" / "minami-kg.ttl")
    mkg = "https://w3id.org/minami-kg/def#"
    for term in ("Ward", "Municipality", "Section", "PartnerOrganization"):
        assert (URIRef(mkg + term), RDFS.subClassOf, URIRef(ICNS + "組織型")) in graph, term
    comment = " ".join(str(c) for c in graph.objects(URIRef(mkg + "statisticalArea"), RDFS.comment))
    assert "owl:sameAs" in comment and "skos:exactMatch" in comment


def test_the_ontology_page_lists_the_imi_alignments(client: FlaskClient) -> None:
    page = client.get("/ontology?lang=en").get_data(as_text=True)
    assert "IMI core vocabulary 2.4.2" in page
    for curie in ("ic:組織型", "ic:関与", "mkg:statisticalArea"):
        assert curie in page, curie
    data = client.get("/ontology.json").get_json()
    ward = next(c for c in data["classes"] if c["local"] == "Ward")
    assert any(a["target"]["curie"] == "ic:組織型" for a in ward["alignments"]), ward


# ---------------------------------------------------------------------------------------------
# A ward the curation does not list: its manifest may give the code
# ---------------------------------------------------------------------------------------------

SEED_TEXT = PROJECT_ROOT / "data/sources/minami/2022/minami-r4-unei-hoshin.txt"


def _plan_folder(root: Path, code: str) -> Path:
    folder = root / "shiken" / "2022"
    folder.mkdir(parents=True)
    (folder / "plan.txt").write_bytes(SEED_TEXT.read_bytes())
    (folder / "manifest.toml").write_text(
        'file = "plan.txt"\nward = "shiken"\nward_name = "試験区"\ncity_name = "横浜市"\n'
        f'fiscal_year = 2022\ncode = "{code}"\n',
        encoding="utf-8",
    )
    return root


def test_a_manifest_gives_the_code_of_a_ward_the_curation_does_not_list(tmp_path: Path) -> None:
    curation = load_curation(PROJECT_ROOT / "data" / "curation")
    assert curation.ward("試験区") is None
    plans = read_sources(_plan_folder(tmp_path, "14199"), curation)
    quads = graph_quads(plans, settings_for(tmp_path / "store"), curation)
    ward = NamedNode(BASE + "id/shiken")
    found = {(q.predicate, q.object) for q in quads if q.subject == ward}
    assert (DCTERMS.identifier, Literal("141992")) in found  # 6+20+4+27+18 = 75; 11 - 9 = 2
    assert (MKG.statisticalArea, NamedNode("http://data.e-stat.go.jp/lod/sac/C14199")) in found


def test_a_manifest_code_that_is_not_five_digits_is_refused(tmp_path: Path) -> None:
    curation = load_curation(PROJECT_ROOT / "data" / "curation")
    with pytest.raises(SourceError, match=r"manifest.toml: code '141992'"):
        read_sources(_plan_folder(tmp_path, "141992"), curation)
