"""Reads that join claims with their evidence and sources; the access rule is
``sources.selectors.source_access``, applied to every evidence row read here.

``claims``: claim lists, details, evidence, history and publications, and the claims resting on
a source or an outlet. ``claim_page``: what the
desk's claim page shows, its pickers' suggestions and the conflict a stale form is told about.
"""

from verification.selectors.claim_page import (
    ClaimPage,
    Conflict,
    EvidenceSource,
    claim_chains,
    claim_page,
    claim_suggestions,
    conflict_for,
    source_suggestions,
)
from verification.selectors.claims import (
    User,
    claim_detail,
    claim_evidence,
    claim_history,
    claim_list,
    claim_publications,
    claim_published,
    claim_status_counts,
    outlet_claims,
    source_evidence,
)

__all__ = [
    "ClaimPage",
    "Conflict",
    "EvidenceSource",
    "User",
    "claim_chains",
    "claim_detail",
    "claim_evidence",
    "claim_history",
    "claim_list",
    "claim_page",
    "claim_publications",
    "claim_published",
    "claim_status_counts",
    "claim_suggestions",
    "conflict_for",
    "outlet_claims",
    "source_evidence",
    "source_suggestions",
]
