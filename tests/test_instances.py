"""Many app instances over one engine: the build identifier, and what follows it.

The end-to-end test runs what an operator runs: one `oxigraph serve` on
loopback with the seed built into it, two `minami-kg serve --endpoint …`
processes each with its own search index (none at start), and a rebuild
from a third process with a plan whose measure has a new title. Both
instances must then answer the new plan in search, pages and /sparql, with
other ETags, within a bounded wait. The other tests look at the parts in
one process: the identifier a build writes, an update's new one, an index
built by an instance that had none, and the setting.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from pyoxigraph import Quad

from minami_kg.build import build, graph_quads, read_sources
from minami_kg.config import Settings, SettingsError
from minami_kg.curation import load_curation
from minami_kg.search import recorded_build_id
from minami_kg.server import create_app
from minami_kg.server.follower import get_follower
from minami_kg.store import EmbeddedStore, open_store
from minami_kg.store.build_id import BUILD_ID, content_build_id, read_build_id

from .conftest import FIXTURES, SEED, settings_for
from .oxigraph_server import OxigraphServer
from .w3c.server import free_port

CLI = "from minami_kg.cli import main; main()"
BASE = Settings().base
MEASURE = "minami/2022/measure/gensai-02"
OLD_TITLE = "自助・共助対策の支援"
NEW_WORD = "クオッカ"  # a quokka: in no plan, curation file or ontology
NEW_TITLE = f"自助・共助{NEW_WORD}支援"
WAIT = 180.0  # seconds any one condition may take to come true on a slow machine


def wait_for(what: str, condition: Callable[[], bool], *, timeout: float = WAIT) -> None:
    """Poll `condition` until it holds; fail naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what}")
        time.sleep(0.2)


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`minami-kg ARGS` in a process of its own, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def private_env(folder: Path) -> dict[str, str]:
    """Everything a process writes, kept in `folder` (never var/ of the checkout)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "MINAMI_KG_STORE": str(folder / "store"),  # the staging file and limits.sqlite go beside
        "MINAMI_KG_SEARCH_INDEX": str(folder / "search.sqlite"),
        "MINAMI_KG_DUMPS": str(folder / "dumps"),
        "MINAMI_KG_QUERY_BUDGET": "off",
        "MINAMI_KG_BUILD_CHECK_SECONDS": "1",
    }


@dataclass
class Instance:
    """One `minami-kg serve --endpoint …` process, and plain HTTP to it."""

    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    def get(self, path: str, accept: str = "text/html") -> tuple[int, dict[str, str], str]:
        """Status, headers (names in lower case) and body of a GET."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers={"Accept": accept})
            answer = connection.getresponse()
            body = answer.read().decode("utf-8", "replace")
            # lower-case names: waitress writes `Etag`, Flask's test client `ETag`
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body
        finally:
            connection.close()

    def search(self, text: str) -> list[dict[str, str]] | None:
        """The hits of /api/search, or None while the index is being built (503)."""
        status, _, body = self.get("/api/search?" + urlencode({"q": text}), "application/json")
        if status == 503:
            return None
        assert status == 200, body
        return json.loads(body)["results"]

    def labels(self, iri: str) -> set[str]:
        """The measure's labels as /sparql answers them."""
        query = (
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            f"SELECT ?l WHERE {{ <{iri}> skos:prefLabel ?l FILTER(LANG(?l) = 'ja') }}"
        )
        status, _, body = self.get(
            "/sparql?query=" + quote(query), "application/sparql-results+json"
        )
        assert status == 200, body
        return {row["l"]["value"] for row in json.loads(body)["results"]["bindings"]}

    def log(self) -> str:
        return (self.folder / "serve.log").read_text(errors="replace")


def start_instance(engine: OxigraphServer, folder: Path) -> Instance:
    env = {**os.environ, **private_env(folder)}
    port = free_port()
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", *engine.options(), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    instance = Instance(process, port, folder)

    def answers() -> bool:
        assert process.poll() is None, instance.log()
        try:
            return instance.get("/healthz", "application/json")[0] == 200
        except OSError:
            return False

    wait_for(f"instance on port {port} answers /healthz", answers)
    return instance


def stop(instance: Instance) -> None:
    instance.process.terminate()
    try:
        instance.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        instance.process.kill()
        instance.process.wait()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An `oxigraph serve` of this module's own, with the seed built into it by the CLI."""
    folder = tmp_path_factory.mktemp("engine")
    server = OxigraphServer(folder / "oxigraph")
    server.start()
    try:
        built = cli("build", *server.options(), env=private_env(folder / "builder"))
        assert built.returncode == 0, built.stdout + built.stderr + server.stderr()
        yield server
    finally:
        server.stop()


def another_plan(folder: Path) -> Path:
    """The seed's plan folder with one measure retitled: a rebuild with a visible change."""
    plan = folder / "minami" / "2022"
    shutil.copytree(SEED.parent, plan)
    text = (plan / SEED.name).read_text(encoding="utf-8")
    assert text.count(f"● {OLD_TITLE}\t") == 1
    (plan / SEED.name).write_text(text.replace(f"● {OLD_TITLE}\t", f"● {NEW_TITLE}\t"), "utf-8")
    return plan


def _labels_of_hits(hits: list[dict[str, str]], iri: str) -> list[str]:
    return [hit["label_ja"] for hit in hits if hit["iri"] == iri]


def test_two_instances_follow_a_rebuild_made_by_a_third_process(
    engine: OxigraphServer, tmp_path: Path
) -> None:
    iri = BASE + "id/" + MEASURE
    page = "/page/" + MEASURE
    instances = [start_instance(engine, tmp_path / f"instance-{n}") for n in (1, 2)]
    try:
        for instance in instances:
            # no index at start: it is built from the engine, and then it answers
            wait_for("an index of its own", lambda i=instance: i.search(OLD_TITLE) is not None)
            assert OLD_TITLE in _labels_of_hits(instance.search(OLD_TITLE) or [], iri)
            assert instance.search(NEW_WORD) == []
            assert recorded_build_id(instance.folder / "search.sqlite") is not None
            status, _, body = instance.get(page)
            assert status == 200 and OLD_TITLE in body and NEW_WORD not in body
            assert instance.labels(iri) == {OLD_TITLE}
        # the follower's first reading gives remote pages their validators
        for instance in instances:
            wait_for("an ETag", lambda i=instance: "etag" in i.get(page)[1])
        before = [instance.get(page)[1]["etag"] for instance in instances]
        assert before[0] == before[1]  # the same build, the same tag on every instance
        assert all("last-modified" in instance.get(page)[1] for instance in instances)
        old_id = read_build_id(open_store(engine.settings()), BASE)
        assert old_id is not None
        for instance in instances:  # the description, kept per version, names the build
            assert old_id in instance.get("/dataset", "application/n-triples")[2]

        rebuilt = cli(
            "build",
            "--source",
            str(another_plan(tmp_path / "sources")),
            *engine.options(),
            env=private_env(tmp_path / "rebuilder"),
        )
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr

        for number, instance in enumerate(instances):
            wait_for(
                f"instance {number + 1} searches the new plan",
                lambda i=instance: NEW_TITLE in _labels_of_hits(i.search(NEW_WORD) or [], iri),
            )
            assert OLD_TITLE not in _labels_of_hits(instance.search(OLD_TITLE) or [], iri)
            status, _, body = instance.get(page)
            assert status == 200 and NEW_TITLE in body and OLD_TITLE not in body
            assert instance.labels(iri) == {NEW_TITLE}
            tags = (None, before[number])
            wait_for(
                f"instance {number + 1} gives the page another ETag",
                lambda i=instance, old=tags: i.get(page)[1].get("etag") not in old,
            )
        after = [instance.get(page)[1]["etag"] for instance in instances]
        assert after[0] == after[1]
        new_id = read_build_id(open_store(engine.settings()), BASE)
        assert new_id not in (None, old_id)
        for instance in instances:  # the cached description followed
            description = instance.get("/dataset", "application/n-triples")[2]
            assert new_id in description and old_id not in description
    finally:
        for instance in instances:
            stop(instance)


# -- the parts, in one process ------------------------------------------------------------


def test_a_build_writes_the_digest_of_everything_else(seed_store: EmbeddedStore) -> None:
    """The identifier is the digest of the other quads as the build writes them.

    (Not as a store gives them back: Oxigraph writes the decimal "1.0" as "1".)
    """
    settings = Settings()
    curation = load_curation(settings.curation)
    seed = read_sources(SEED.parent, curation)
    quads = graph_quads(seed, settings, curation)
    meta = [q for q in quads if q.graph_name.value == f"{BASE}graph/meta"]
    assert [q.predicate for q in meta] == [BUILD_ID]
    rest = [q for q in quads if q not in meta]
    assert meta[0].object.value == content_build_id(rest) == read_build_id(seed_store, BASE)
    more = graph_quads(seed + read_sources(FIXTURES / "plans", curation), settings, curation)
    assert read_build_id_of(more) != meta[0].object.value


def read_build_id_of(quads: list[Quad]) -> str:
    return next(q.object.value for q in quads if q.predicate == BUILD_ID)


def test_an_instance_without_an_index_builds_one(
    seed_settings: Settings, seed_store: EmbeddedStore, tmp_path: Path
) -> None:
    index = tmp_path / "own.sqlite"
    app = create_app(seed_settings.with_changes(search_index=index))
    follower = get_follower(app)
    client = app.test_client()
    try:
        wait_for("the index", lambda: client.get("/api/search?q=防災").status_code == 200)
        assert client.get("/api/search?q=防災").json["results"]
        assert recorded_build_id(index) == read_build_id(seed_store, seed_settings.base)
        health = client.get("/healthz").json
        assert health["build"] == recorded_build_id(index)
        assert health["search"] == "current"
    finally:
        follower.stop()


def test_an_update_through_sparql_gives_a_new_build_id_that_search_follows(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path / "store").with_changes(
        update_token="secret", build_check_seconds=0
    )
    build(settings, SEED)
    store = EmbeddedStore(settings.store)
    built = read_build_id(store, settings.base)
    app = create_app(settings)
    follower = get_follower(app)
    client = app.test_client()
    page = "/page/" + MEASURE
    try:
        wait_for("the page's ETag", lambda: "ETag" in client.get(page).headers)
        tag = client.get(page).headers["ETag"]
        measure = f"<{BASE}id/{MEASURE}>"
        update = (
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            f"DELETE {{ GRAPH ?g {{ {measure} skos:prefLabel ?l }} }} "
            f"INSERT {{ GRAPH ?g {{ {measure} skos:prefLabel '{NEW_TITLE}'@ja }} }} "
            f"WHERE {{ GRAPH ?g {{ {measure} skos:prefLabel ?l FILTER(LANG(?l) = 'ja') }} }}"
        )
        answer = client.post(
            "/sparql", data={"update": update}, headers={"Authorization": "Bearer secret"}
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        updated = read_build_id(store, settings.base)
        assert updated is not None and updated != built and updated.startswith("u")
        assert client.get(page).headers["ETag"] != tag

        def found() -> bool:
            hits = client.get("/api/search", query_string={"q": NEW_WORD}).json["results"]
            return NEW_TITLE in _labels_of_hits(hits, BASE + "id/" + MEASURE)

        wait_for("search follows the update", found)
        assert recorded_build_id(settings.search_index_path) == updated
    finally:
        follower.stop()


def test_a_bad_update_changes_nothing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "store").with_changes(update_token="secret")
    build(settings, SEED)
    store = EmbeddedStore(settings.store)
    built = read_build_id(store, settings.base)
    app = create_app(settings)
    answer = app.test_client().post(
        "/sparql", data={"update": "INSERT DATA { oops"}, headers={"Authorization": "Bearer secret"}
    )
    assert answer.status_code == 400
    assert read_build_id(store, settings.base) == built
    get_follower(app).stop()


def test_the_check_interval_setting() -> None:
    assert Settings().build_check_seconds == 10
    assert Settings.from_env({"MINAMI_KG_BUILD_CHECK_SECONDS": "0"}).build_check_seconds == 0
    assert Settings.from_env({"MINAMI_KG_BUILD_CHECK_SECONDS": "2.5"}).build_check_seconds == 2.5
    for wrong in ("31", "-1", "soon"):
        with pytest.raises(SettingsError, match="MINAMI_KG_BUILD_CHECK_SECONDS"):
            Settings.from_env({"MINAMI_KG_BUILD_CHECK_SECONDS": wrong})


def _follower_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "minami-kg build follower"}


def test_the_follower_holds_no_thread_between_checks(
    seed_settings: Settings, seed_build: object
) -> None:
    """An app that answers nothing starts no thread, and a check's thread ends with it.

    (Threads of other apps that are still finishing a check are left out.)
    """
    others = _follower_threads()
    app = create_app(seed_settings)
    assert _follower_threads() <= others
    follower = get_follower(app)
    assert app.test_client().get("/healthz").status_code == 200
    assert follower.wait(timeout=WAIT)
    assert _follower_threads() <= others
    assert follower.index_state() == "current"  # the build wrote it: nothing to do
    follower.stop()
    follower.kick()
    assert _follower_threads() <= others  # stopped: no more checks
