"""Every write of the verification workflow: evidence, status, assignment, publishing.

Each write locks the claim, checks the version its author saw (``claim_lock_for_write``), writes
its rows, and bumps the claim's version, all in one transaction: a refused write leaves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from claims.models import Claim
from claims.services import claim_lock_for_write, claim_save_bumped
from config.roles import Role, has_role, require_role
from config.validation import collapse_whitespace, reject_unknown_fields
from sources.models import Citation, Source
from sources.selectors import source_is_visible_to
from sources.services import source_grants_end_for_claim, source_grants_for_claim
from verification.models import Evidence, Publication, StatusChange
from verification.selectors import claim_published
from verification.workflow import next_statuses, transition_role

EVIDENCE_EDITABLE_FIELDS = (
    "stance", "quote", "quote_language", "translation", "credibility", "note", "via",
)  # fmt: skip
# Edits that change what the evidence says about the claim; on a verdict they flag a review.
EVIDENCE_WEIGHT_FIELDS = frozenset({"stance", "credibility", "quote", "translation", "via"})


def _required_text(value: str, *, field: str, what: str, max_length: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(f"{what} is required.", code="required")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: ValidationError(
                    "Keep this under %(max)s characters.",
                    code="max_length",
                    params={"max": max_length},
                )
            }
        )
    return text


def _evidence_snapshot(claim: Claim) -> list[dict[str, Any]]:
    return [
        {
            "evidence_id": row["pk"],
            "source_id": row["source_id"],
            "stance": row["stance"],
            "credibility": row["credibility"],
        }
        for row in Evidence.objects.filter(claim=claim)
        .order_by("pk")
        .values("pk", "source_id", "stance", "credibility")
    ]


# --- Status ----------------------------------------------------------------------------------


@transaction.atomic
def claim_status_change(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    to_status: str,
    rationale: str,
    expected_version: int,
) -> StatusChange:
    """Move a claim along the workflow and write its audit row, together or not at all."""
    require_role(actor, Role.VIEWER, action="Changing a claim's status")
    rationale = _required_text(rationale, field="rationale", what="A rationale")
    if to_status not in Claim.Status.values:
        raise ValidationError(
            {
                "to_status": ValidationError(
                    "%(value)r is not a status.", code="invalid_choice", params={"value": to_status}
                )
            }
        )
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    needed = transition_role(claim.status, to_status)
    if needed is None:
        allowed = ", ".join(next_statuses(claim.status)) or "none"
        raise ValidationError(
            {
                "to_status": ValidationError(
                    "A claim cannot go from %(from)s to %(to)s (from %(from)s it can go to: "
                    "%(allowed)s). A verdict changes only through in_review.",
                    code="invalid_transition",
                    params={"from": claim.status, "to": to_status, "allowed": allowed},
                )
            }
        )
    require_role(actor, needed, action=f"Moving a claim from {claim.status} to {to_status}")

    from_status = claim.status
    claim.status = to_status
    claim.needs_review = False
    update_fields = {"status", "needs_review"}
    if to_status == Claim.Status.IN_REVIEW and claim.assignee_id is None:
        claim.assignee = actor  # Picking a claim up assigns it to you unless someone has it.
        update_fields.add("assignee")
    claim_save_bumped(claim=claim, update_fields=update_fields)
    change = StatusChange(
        claim=claim,
        from_status=from_status,
        to_status=to_status,
        rationale=rationale,
        actor=actor,
        claim_version=claim.version,
        evidence_snapshot=_evidence_snapshot(claim),
    )
    # The snapshot is ours, not input; an empty one (no evidence yet) is valid though the field
    # is not blank=True, which full_clean would refuse.
    change.full_clean(exclude=["claim", "actor"])
    change.save()
    return change


@transaction.atomic
def claim_assign(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    assignee: AbstractBaseUser | None,
    expected_version: int,
) -> Claim:
    """Assign a claim to a fact-checker (or nobody). An editor assigning someone else grants them
    the claim's sensitive sources; any change of assignee ends the previous one's such grants."""
    require_role(actor, Role.FACT_CHECKER, action="Assigning a claim")
    if assignee is not None and not has_role(assignee, Role.FACT_CHECKER):
        raise ValidationError(
            {
                "assignee": ValidationError(
                    "Claims can be assigned to fact-checkers and editors only.",
                    code="not_fact_checker",
                )
            }
        )
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    previous_id = claim.assignee_id
    claim.assignee = assignee
    claim = claim_save_bumped(claim=claim, update_fields={"assignee"})
    if previous_id is not None and previous_id != getattr(assignee, "pk", None):
        # Whoever ends an assignment ends the access that came with it.
        source_grants_end_for_claim(
            actor=actor,
            grantee_id=previous_id,
            claim_id=claim.pk,
            reason=f"Unassigned from claim #{claim.pk} by {actor.get_username()}.",
        )
    if assignee is not None and assignee.pk != actor.pk and has_role(actor, Role.EDITOR):
        claim_assignment_grant(claim=claim, actor=actor)
    return claim


def claim_assignment_grant(*, claim: Claim, actor: AbstractBaseUser) -> int:
    """An editor's assignment lets the assignee see the sensitive sources the claim rests on now
    (sources added later need the editor to assign again, or a grant on the source). How many
    grants were made. Assigning yourself, or a fact-checker's assignment, grants nothing."""
    require_role(actor, Role.EDITOR, action="Granting a claim's sources with its assignment")
    if claim.assignee is None:
        return 0
    grants = source_grants_for_claim(
        actor=actor,
        grantee=claim.assignee,
        claim_id=claim.pk,
        source_ids=Evidence.objects.filter(claim=claim).values_list("source_id", flat=True),
        reason=f"Assigned to claim #{claim.pk} by editor {actor.get_username()}.",
    )
    return len(grants)


# --- Evidence --------------------------------------------------------------------------------


def _primary_language(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def _check_translation(evidence: Evidence) -> None:
    newsroom = settings.CLAIMTRAIL_NEWSROOM_LANGUAGE
    # Compare primary subtags on both sides: a newsroom set to "en-GB" reads an "en" quote.
    if (
        evidence.quote.strip()
        and evidence.quote_language
        and _primary_language(evidence.quote_language) != _primary_language(newsroom)
        and not evidence.translation.strip()
    ):
        raise ValidationError(
            {
                "translation": ValidationError(
                    "The quote is in %(lang)s: add a translation into %(newsroom)s.",
                    code="translation_required",
                    params={"lang": evidence.quote_language, "newsroom": newsroom},
                )
            }
        )


def _check_via(
    *, source: Source, via: Iterable[Citation], actor: AbstractBaseUser
) -> list[Citation]:
    """``via`` must be citations made by the evidence's own source, to sources the actor sees."""
    citations = list(via)
    for citation in citations:
        if citation.citing_id != source.pk or not source_is_visible_to(
            source=citation.cited, user=actor
        ):
            raise ValidationError(
                {
                    "via": ValidationError(
                        "Citation #%(id)s is not one the evidence's source makes.",
                        code="not_cited_by_source",
                        params={"id": citation.pk},
                    )
                }
            )
    return citations


def _check_unique_stance(evidence: Evidence) -> None:
    clash = Evidence.objects.filter(
        claim_id=evidence.claim_id, source_id=evidence.source_id, stance=evidence.stance
    ).exclude(pk=evidence.pk)
    if clash.exists():
        raise ValidationError(
            {
                "stance": ValidationError(
                    "This source is already recorded with this stance on the claim.",
                    code="duplicate",
                )
            }
        )


def _flag_if_verdict(claim: Claim, update_fields: set[str]) -> None:
    """New or changed evidence on a verdict flags it for review; the status stays as it is."""
    if claim.has_verdict and not claim.needs_review:
        claim.needs_review = True
        update_fields.add("needs_review")


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    source: Source,
    stance: str,
    expected_version: int,
    quote: str = "",
    quote_language: str = "",
    translation: str = "",
    credibility: int = Evidence.Credibility.CANNOT_JUDGE,
    note: str = "",
    via: Iterable[Citation] = (),
) -> Evidence:
    """Link a source to a claim with its stance and graded credibility.

    ``via``: the source's own citations that carry this claim, when it cites others for other
    things (provenance then follows only those for this claim).
    """
    require_role(actor, Role.FACT_CHECKER, action="Adding evidence")
    if not source_is_visible_to(source=source, user=actor):
        raise ValidationError({"source": ValidationError("No such source.", code="does_not_exist")})
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    evidence = Evidence(
        claim=claim,
        source=source,
        stance=stance,
        quote=quote.strip(),
        quote_language=quote_language.strip(),
        translation=translation.strip(),
        credibility=credibility,
        note=note.strip(),
        added_by=actor,
    )
    evidence.full_clean(validate_constraints=False)
    _check_translation(evidence)
    _check_unique_stance(evidence)
    citations = _check_via(source=source, via=via, actor=actor)
    evidence.save()
    evidence.via.set(citations)
    update_fields: set[str] = set()
    _flag_if_verdict(claim, update_fields)
    claim_save_bumped(claim=claim, update_fields=update_fields)
    return evidence


def _evidence_for_write(*, evidence_id: int, actor: AbstractBaseUser) -> Evidence:
    """The evidence row as it is now, if it still exists and the actor may see its source.

    Evidence from a sensitive source the actor may not see is answered like a missing row, so
    the refusal does not reveal that it exists.
    """
    evidence = Evidence.objects.select_related("source").filter(pk=evidence_id).first()
    if evidence is None or not source_is_visible_to(source=evidence.source, user=actor):
        raise ValidationError(
            {"evidence": ValidationError("No such evidence.", code="does_not_exist")}
        )
    return evidence


@transaction.atomic
def evidence_update(
    *, evidence: Evidence, actor: AbstractBaseUser, expected_version: int, **changes: Any
) -> Evidence:
    require_role(actor, Role.FACT_CHECKER, action="Editing evidence")
    reject_unknown_fields(changes, EVIDENCE_EDITABLE_FIELDS)
    claim = claim_lock_for_write(claim_id=evidence.claim_id, expected_version=expected_version)
    evidence = _evidence_for_write(evidence_id=evidence.pk, actor=actor)
    via = changes.pop("via", None)
    for field, value in changes.items():
        setattr(evidence, field, value.strip() if isinstance(value, str) else value)
    evidence.full_clean(validate_constraints=False)
    _check_translation(evidence)
    _check_unique_stance(evidence)
    evidence.save(update_fields=[*changes, "updated_at"])
    if via is not None:
        evidence.via.set(_check_via(source=evidence.source, via=via, actor=actor))
        changes["via"] = via
    update_fields: set[str] = set()
    if EVIDENCE_WEIGHT_FIELDS & set(changes):
        _flag_if_verdict(claim, update_fields)
    claim_save_bumped(claim=claim, update_fields=update_fields)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, actor: AbstractBaseUser, expected_version: int) -> None:
    """Remove evidence. The audit rows keep what it was at the moments that mattered."""
    require_role(actor, Role.FACT_CHECKER, action="Removing evidence")
    claim = claim_lock_for_write(claim_id=evidence.claim_id, expected_version=expected_version)
    _evidence_for_write(evidence_id=evidence.pk, actor=actor).delete()
    update_fields: set[str] = set()
    _flag_if_verdict(claim, update_fields)
    claim_save_bumped(claim=claim, update_fields=update_fields)


# --- Publishing ------------------------------------------------------------------------------


@transaction.atomic
def verdict_publish(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    public_summary: str,
    expected_version: int,
    reason: str = "",
) -> Publication:
    """Publish the claim's current verdict. Four eyes: not a verdict the editor set themselves."""
    require_role(actor, Role.EDITOR, action="Publishing a verdict")
    public_summary = _required_text(public_summary, field="public_summary", what="A public summary")
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    if not claim.has_verdict:
        raise ValidationError(
            {
                "status": ValidationError(
                    "Only a verdict can be published; this claim is %(s)s.",
                    code="no_verdict",
                    params={"s": claim.status},
                )
            }
        )
    if claim.needs_review:
        raise ValidationError(
            {
                "status": ValidationError(
                    "New evidence arrived after this verdict: review it before publishing.",
                    code="needs_review",
                )
            }
        )
    verdict_change = (
        StatusChange.objects.filter(claim=claim, to_status=claim.status)
        .order_by("-created_at", "-pk")
        .first()
    )
    if verdict_change is None:
        # A verdict set outside the workflow (a data repair) has no audit row to publish from.
        raise ValidationError(
            {
                "status": ValidationError(
                    "This verdict has no status change on record: reopen the claim and record "
                    "the verdict through the workflow before publishing.",
                    code="no_audit_row",
                )
            }
        )
    if verdict_change.actor_id == actor.pk and not settings.CLAIMTRAIL_ALLOW_SELF_PUBLISH:
        raise PermissionDenied("Four eyes: another editor must publish a verdict you set yourself.")
    current = claim_published(claim=claim)
    if (
        current is not None
        and current.status_change_id == verdict_change.pk
        and current.public_summary == public_summary
    ):
        raise ValidationError(
            {
                "public_summary": ValidationError(
                    "This verdict is already published with this summary.", code="already_published"
                )
            }
        )
    publication = Publication(
        claim=claim,
        action=Publication.Action.PUBLISH,
        verdict=claim.status,
        status_change=verdict_change,
        public_summary=public_summary,
        reason=reason.strip(),
        actor=actor,
    )
    publication.full_clean(exclude=["claim", "actor", "status_change"])
    publication.save()
    claim_save_bumped(claim=claim, update_fields=set())
    return publication


@transaction.atomic
def verdict_unpublish(
    *, claim: Claim, actor: AbstractBaseUser, reason: str, expected_version: int
) -> Publication:
    """Withdraw the published verdict; API clients then see none. The withdrawal is recorded."""
    require_role(actor, Role.EDITOR, action="Unpublishing a verdict")
    reason = collapse_whitespace(_required_text(reason, field="reason", what="A reason"))
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    if claim_published(claim=claim) is None:
        raise ValidationError(
            {"claim": ValidationError("Nothing is published for this claim.", code="not_published")}
        )
    publication = Publication(
        claim=claim, action=Publication.Action.UNPUBLISH, verdict="", reason=reason, actor=actor
    )
    publication.full_clean(exclude=["claim", "actor", "status_change"])
    publication.save()
    claim_save_bumped(claim=claim, update_fields=set())
    return publication
