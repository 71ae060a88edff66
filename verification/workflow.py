"""The verification workflow in one table: which status may follow which, and who may move it.

A verdict is reached only from ``in_review`` and left only back to ``in_review`` (reopening), so
every verdict on record was preceded by a review.
"""

from __future__ import annotations

from claims.models import Claim
from config.roles import Role

Status = Claim.Status
# In declaration order, so messages listing next statuses read the same every time.
VERDICTS = [status for status in Status if status in Claim.VERDICTS]

TRANSITIONS: dict[tuple[str, str], Role] = {
    (Status.UNVERIFIED, Status.IN_REVIEW): Role.FACT_CHECKER,
    (Status.IN_REVIEW, Status.UNVERIFIED): Role.FACT_CHECKER,
    **{(Status.IN_REVIEW, verdict): Role.FACT_CHECKER for verdict in VERDICTS},
    **{(verdict, Status.IN_REVIEW): Role.FACT_CHECKER for verdict in VERDICTS},
}


def transition_role(from_status: str, to_status: str) -> Role | None:
    """The role a transition needs, or None when the workflow does not allow it at all."""
    return TRANSITIONS.get((from_status, to_status))


def next_statuses(from_status: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == from_status]
