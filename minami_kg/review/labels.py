"""A reviewer's English label for a thing of a plan: written to labels-en.toml, in effect at once.

`set_label(settings, store, account, iri, en, note)`

- `iri` names a thing read from a plan (plan, focus area, measure, action,
  section, site …) under `{base}id/{ward}/`; its Japanese label is the key
  `data/curation/labels-en.toml` files English labels under. Partners, topics
  and cited plans have their English names in their own curation files: 400.
- `en` (one line, at most `MAX_LABEL_CHARS`) and `note` are required: 400.
- Written under a lock, atomically: `"<Japanese>" = "<English>"` in the
  `[label.<ward>]` table (a new key at the table's end, a changed one in
  place, every comment kept), and one `[[review]]` record at the end of the
  file: thing (the IRI after `{base}id/`), ward, ja, en, the English label it
  replaced (`was`), note, reviewer, decided. A label set here wins over
  `[common]` for that ward. The build makes the last record of each thing a
  `mkg:ReviewDecision` ("label") in the curated graph
  (`minami_kg.rdf.decision_graph.label_review_quads`).
- The label must show on the thing in the rebuilt graph; if it would not (the
  key does not match the text the build reads), the file is put back: 400.
- In effect before it returns, like a link decision (`minami_kg.review.effect`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, Variable

from minami_kg.accounts import Account
from minami_kg.build import read_sources
from minami_kg.config import Settings
from minami_kg.curation import load_curation
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import SKOS
from minami_kg.review.decide import JAPAN, ReviewError, review_lock, undone_on_failure
from minami_kg.review.effect import difference, take_effect
from minami_kg.review.files import append_record
from minami_kg.review.files import set_label as set_toml_key
from minami_kg.store import GraphStore, select

audit = logging.getLogger("minami_kg.audit")

LABELS_FILE = "labels-en.toml"
MAX_LABEL_CHARS = 300
SHARED = ("partner", "topic", "city", "reviewer")  # ids whose names live in other files

_LABELS = """
SELECT ?thing ?ja ?en WHERE {
  ?thing <http://www.w3.org/2004/02/skos/core#prefLabel> ?ja . FILTER(lang(?ja) = "ja")
  OPTIONAL { ?thing <http://www.w3.org/2004/02/skos/core#prefLabel> ?en . FILTER(lang(?en) = "en") }
}
"""


def _ward_of(settings: Settings, iri: str) -> str:
    id_base = Iris(settings.base).id_base
    rest = iri.removeprefix(id_base).split("/") if iri.startswith(id_base) else []
    if len(rest) < 2 or rest[0] in SHARED:
        raise ReviewError(
            400,
            f"{iri}: 運営方針から読み取ったものではないため、ここでは英語名を付けられません。",
            f"{iri}: not a thing read from a plan; its English name is in its own curation file",
        )
    return rest[0]


def set_label(
    settings: Settings,
    store: GraphStore,
    account: Account,
    iri: str,
    en: str,
    note: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    en = en.strip() if isinstance(en, str) else ""
    note = note.strip() if isinstance(note, str) else ""
    if not en or "\n" in en or len(en) > MAX_LABEL_CHARS:
        raise ReviewError(
            400, f"英語名は 1〜{MAX_LABEL_CHARS} 字の 1 行です。",
            f"the English label must be one line of 1 to {MAX_LABEL_CHARS} characters",
        )  # fmt: skip
    if not note:
        raise ReviewError(400, "理由（note）を書いてください。", "a note saying why is required")
    ward = _ward_of(settings, iri)
    path = settings.curation / LABELS_FILE
    with review_lock(settings):
        rows = list(select(store, _LABELS, substitutions={Variable("thing"): NamedNode(iri)}))
        if not rows:
            raise ReviewError(404, f"{iri}: 見つかりません。", f"{iri}: no such thing with a label")
        ja = rows[0]["ja"].value
        was = rows[0]["en"].value if rows[0]["en"] is not None else ""
        decided = (now or datetime.now(JAPAN)).astimezone(JAPAN).replace(microsecond=0)
        thing = iri.removeprefix(Iris(settings.base).id_base)
        with undone_on_failure(path):
            set_toml_key(path, ("label", ward), ja, en)
            append_record(
                path,
                "review",
                {"thing": thing, "ward": ward, "ja": ja, "en": en,
                 "was": was, "note": note, "reviewer": account.display_name, "decided": decided},
            )  # fmt: skip
            curation = load_curation(settings.curation)
            plans = read_sources(settings.sources, curation)
            labelled = Quad(NamedNode(iri), SKOS.prefLabel, Literal(en, language="en"))
            _, inserted = difference(settings, store, plans)
            if not any(q.triple == labelled.triple for q in inserted) and was != en:
                raise ReviewError(
                    400,
                    f"「{ja}」の英語名として反映できませんでした。",
                    f"the label would not show on {iri}: its text is not a key the build reads",
                )
            effect = take_effect(settings, store, plans)
    audit.info("label account=%s iri=%s", account.name, iri)
    return {
        "iri": iri,
        "activity": f"{iri}/label-review",
        "ja": ja,
        "en": en,
        "was": was or None,
        "reviewer": account.display_name,
        "decided": decided.isoformat(),
        "note": note,
        "seconds": round(effect.seconds, 3),
    }
