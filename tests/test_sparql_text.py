"""SERVICE / LOAD refusal and the protocol dataset of updates, on query text alone."""

from __future__ import annotations

import pytest

from minami_kg.server.sparql.checks import (
    DatasetError,
    UnsafeQuery,
    refuse_remote_access,
    with_protocol_dataset,
)

REFUSED = [
    "SELECT * { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> {} }",
    "SELECT * {{}SERVICE<http://x/>{}}",
    "SELECT * { ?s ?p ?o . SERVICE ?where {} }",
    r"SELECT * { \u0053ERVICE <http://x/> {} }",  # codepoint escapes apply anywhere
    r"SELECT * { \U00000053ervice <http://x/> {} }",
    # one reading sees a string then code, the other one long string: refuse on either
    r'SELECT * { BIND("\u0022" AS ?x) SERVICE <http://x/> {} } # "',
    "SELECT * { # a comment\n SERVICE <http://x/> {} }",
]

ALLOWED = [
    "SELECT * { ?s ex:service ?o }",
    "PREFIX service: <http://s/> SELECT * { ?s service:p ?o }",
    "SELECT ?service { ?service ?p ?o }",
    "SELECT * { ?s ?p 'SERVICE' , \"SERVICE\" , '''x SERVICE''' , \"\"\"SERVICE\"\"\" }",
    "SELECT * { <http://example.org/SERVICE> ?p ?o }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://x/>",
    'SELECT * { ?s ?p "x"@service }',
    "SELECT * { _:service ?p ?o }",
    "SELECT * { ?s ?p ?o FILTER(?o < 3) }",
]


@pytest.mark.parametrize("query", REFUSED)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(UnsafeQuery, match="SERVICE"):
        refuse_remote_access(query)


@pytest.mark.parametrize("query", ALLOWED)
def test_service_as_a_name_or_in_a_string_is_allowed(query: str) -> None:
    refuse_remote_access(query)


def test_load_is_refused_in_updates_only() -> None:
    with pytest.raises(UnsafeQuery, match="LOAD"):
        refuse_remote_access("LOAD <http://x/data.ttl> INTO GRAPH <http://g/>", update=True)
    with pytest.raises(UnsafeQuery, match="LOAD"):
        refuse_remote_access(r"CLEAR ALL ; \u004cOAD SILENT <http://x/>", update=True)
    refuse_remote_access("INSERT DATA { <http://a> <http://p> 'LOAD' }", update=True)
    refuse_remote_access("SELECT * { ?s ex:load ?o }")


def test_using_clauses_go_before_each_modify_where() -> None:
    update = (
        "PREFIX dc: <http://purl.org/dc/terms/>\n"
        "CLEAR ALL ; INSERT DATA { GRAPH <http://g> { <http://a> a <http://D> } } ;\n"
        "INSERT { GRAPH <http://t> { ?s a dc:B } } WHERE { ?s a <http://D> } ;\n"
        "DELETE { ?s ?p ?o } WHERE { { SELECT * WHERE { ?s ?p ?o } } }"
    )
    rewritten = with_protocol_dataset(update, ["http://g"], ["http://h"])
    clause = "USING <http://g> USING NAMED <http://h> WHERE"
    assert rewritten.count(clause) == 2
    assert "INSERT DATA { GRAPH <http://g>" in rewritten
    assert with_protocol_dataset(update, [], []) == update


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
        "DELETE WHERE { ?s ?p ?o }",
    ],
)
def test_using_parameters_conflict_with_a_dataset_in_the_text(update: str) -> None:
    with pytest.raises(DatasetError):
        with_protocol_dataset(update, ["http://g"], [])


def test_using_parameter_must_be_an_iri() -> None:
    with pytest.raises(DatasetError, match="not an IRI"):
        with_protocol_dataset("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", ["a> } ; DROP ALL ; <"], [])
