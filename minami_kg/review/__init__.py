"""Staff review: decisions on links and English labels that take effect at once and last.

The pipeline's curation files are the record (`data/curation/link-overrides.toml`,
`labels-en.toml`): a decision is written there, so every later build applies it,
and then applied to the store, the search index and the dumps at once, so the
site shows it without a rebuild. No Flask here: `minami_kg.server.review_api`
is the HTTP face.

- `decide(...)` (`decide.py`): accept / reject / add a section → measure link.
- `set_label(...)` (`labels.py`): add or fix an English label.
- `take_effect(...)` (`effect.py`): the store brought up to the files.
- `ReviewError`: a refusal with its HTTP status, in Japanese and English.

Provenance: each link decision is a `mkg:ReviewDecision` (`prov:Activity`) in
`{base}graph/curated`, written by the build from the file
(`minami_kg.rdf.decision_graph`).
"""

from minami_kg.review.decide import DECISIONS, Decision, ReviewError, decide, decision_of
from minami_kg.review.effect import Effect, NotFromSources, take_effect
from minami_kg.review.labels import set_label

__all__ = [
    "DECISIONS",
    "Decision",
    "Effect",
    "NotFromSources",
    "ReviewError",
    "decide",
    "decision_of",
    "set_label",
    "take_effect",
]
