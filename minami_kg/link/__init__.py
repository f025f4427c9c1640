"""Links read between the lines of a plan: sections ↔ measures, partners, topics, cited plans.

Plan model and curation in, plain data out (`PlanLinks`); no RDF here.
"""

from minami_kg.link.linker import ACCEPT_SCORE, CANDIDATE_SCORE, link_plan
from minami_kg.link.model import (
    METHODS,
    Contribution,
    Evidence,
    Mention,
    PlanLinks,
    Quote,
    Ref,
)

__all__ = [
    "ACCEPT_SCORE",
    "CANDIDATE_SCORE",
    "METHODS",
    "Contribution",
    "Evidence",
    "Mention",
    "PlanLinks",
    "Quote",
    "Ref",
    "link_plan",
]
