"""Year over year: what changed in one ward's plan between two fiscal years.

The package in four steps, a module each:

- `model`: the plain data, the two plans' states (`PlanState`) and the
  `PlanDiff` between them, with its JSON form;
- `read`: one plan read from the store into a `PlanState`, by SPARQL alone,
  so the same diff comes from the embedded store and from a remote server;
- `similarity` and `compare`: the matching below, giving a `PlanDiff`;
- `report`: the diff as text for a terminal (the web view has its template).

Measures have no identity across years (their IRIs hold the area's slug and
the measure's position), so they are matched by their text:

- `similarity` is the Dice coefficient of the character bigrams of two texts,
  after NFKC folding and with all whitespace removed: 1.0 for the same text,
  0.0 for texts that share no bigram. It is cheap, needs no dictionary, and
  rewards the small edits a ward makes from one year to the next
  (切れ目のない支援 → 切れ目ない支援の充実 scores 0.79).
- A measure pair scores 2/3 its labels' similarity plus 1/3 that of its
  actions' text (the label alone when neither has actions): the label is
  what the measure is, its actions confirm a rename.
- Pairs scoring at least `MATCH_THRESHOLD` (0.5, where unrelated measures of
  one plan score below 0.3 and renamed ones above 0.6) are taken best first,
  each measure at most once, so the matching is one-to-one; among equal
  scores a pair staying in the same area wins, then document order.
- Focus areas are matched the same way, by their labels alone. A matched
  measure has *moved* when its new area is not the counterpart of its old one.
- A matched measure's sections are those of its accepted contributions
  (`mkg:contributesTo`, the shortcut the build writes for every
  `mkg:Contribution` with `mkg:accepted true`); the diff lists the sections
  added and removed.

The basic goal and the sections' goals (sections persist across years, so
they are compared by IRI) are reported when their text differs.
"""

from minami_kg.diff.compare import diff, diff_plans
from minami_kg.diff.model import (
    MATCH_THRESHOLD,
    AreaMatch,
    BasicGoalChange,
    BasicGoalState,
    DiffError,
    MeasureMatch,
    MeasureState,
    PlanDiff,
    PlanState,
    Ref,
    SameYear,
    SectionGoalChange,
    UnknownPlan,
)
from minami_kg.diff.read import parse_year, plan_nodes, read_plan
from minami_kg.diff.report import text_report
from minami_kg.diff.similarity import (
    LABEL_WEIGHT,
    match_best_first,
    measure_similarity,
    similarity,
)

__all__ = [
    "LABEL_WEIGHT",
    "MATCH_THRESHOLD",
    "AreaMatch",
    "BasicGoalChange",
    "BasicGoalState",
    "DiffError",
    "MeasureMatch",
    "MeasureState",
    "PlanDiff",
    "PlanState",
    "Ref",
    "SameYear",
    "SectionGoalChange",
    "UnknownPlan",
    "diff",
    "diff_plans",
    "match_best_first",
    "measure_similarity",
    "parse_year",
    "plan_nodes",
    "read_plan",
    "similarity",
    "text_report",
]
