"""Every write to claimants, claims and claim relations.

A claim's status, assignment and review flag belong to the verification workflow
(``verification.services``); this module edits what a claim says and locks it for writers.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from claims.models import Claim, Claimant, ClaimRelation, Tag
from config.roles import Role, require_role
from config.validation import collapse_whitespace, reject_unknown_fields

CLAIM_EDITABLE_FIELDS = (
    "text", "kind", "claimant", "made_on", "made_on_precision", "language", "tags",
)  # fmt: skip
# Changing these changes what was checked: a verdict on the old wording needs another look.
CLAIM_MEANING_FIELDS = frozenset({"text", "kind", "claimant"})


class StaleVersionError(Exception):
    """The claim changed since its author loaded it. Carries the claim as it is now."""

    def __init__(self, *, current: Claim, expected_version: int) -> None:
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"Claim #{current.pk} was changed by someone else: you edited version "
            f"{expected_version}, it is now at version {current.version}. Reload and try again."
        )


# --- Text ------------------------------------------------------------------------------------


def claim_text_normalize(text: str) -> str:
    """How a claim is stored: Unicode NFC, single spaces, no leading or trailing space."""
    return collapse_whitespace(unicodedata.normalize("NFC", text))


def claim_text_hash(*, text: str, kind: str) -> str:
    """Equal for claims that differ only in case, spacing, Unicode form or final punctuation.

    The kind is part of the key: the same sentence checked as an attribution and as a fact are
    two claims, not duplicates.
    """
    folded = collapse_whitespace(unicodedata.normalize("NFKC", text).casefold()).rstrip(" .!?;…")
    return hashlib.sha256(f"{kind}\n{folded}".encode()).hexdigest()


def _partial_date(made_on: date | None, precision: str) -> date | None:
    """Store a month or a year as its first day, so equal partial dates compare equal."""
    if made_on is None:
        return None
    if precision == Claim.DatePrecision.YEAR:
        return made_on.replace(month=1, day=1)
    if precision == Claim.DatePrecision.MONTH:
        return made_on.replace(day=1)
    return made_on


def _tags_from_names(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in names:
        slug = slugify(name, allow_unicode=True)[:50]
        if not slug:
            raise ValidationError(
                {
                    "tags": ValidationError(
                        "Tag %(name)r has no letters or digits.",
                        code="invalid",
                        params={"name": name},
                    )
                }
            )
        tags.append(Tag.objects.get_or_create(name=slug)[0])
    return tags


# --- Locking for writers ---------------------------------------------------------------------


def claim_lock_for_write(*, claim_id: int, expected_version: int) -> Claim:
    """Lock a claim's row for this transaction and check it is still the version the writer saw.

    Must run inside ``transaction.atomic``. On PostgreSQL the row lock makes a second writer wait
    and then read the bumped version; on SQLite the IMMEDIATE transaction does the same for the
    whole database. Raises StaleVersionError with the current claim when the version moved on.
    """
    claim = (
        Claim.objects.select_for_update(of=("self",)).select_related("claimant").get(pk=claim_id)
    )
    if claim.version != expected_version:
        raise StaleVersionError(current=claim, expected_version=expected_version)
    return claim


def claim_save_bumped(*, claim: Claim, update_fields: Iterable[str]) -> Claim:
    """Save a locked claim with its version bumped: every edit of a claim bumps it."""
    claim.version += 1
    claim.save(update_fields=sorted({*update_fields, "version", "updated_at"}))
    return claim


def _check_attribution(claim: Claim) -> None:
    if claim.kind == Claim.Kind.ATTRIBUTION and claim.claimant_id is None:
        raise ValidationError(
            {
                "claimant": ValidationError(
                    "An attribution needs the claimant it is attributed to.", code="required"
                )
            }
        )


def _meaning(claim: Claim) -> tuple[Any, ...]:
    return tuple(claim.serializable_value(name) for name in sorted(CLAIM_MEANING_FIELDS))


def _check_not_duplicate(*, text_hash: str, exclude_pk: int | None = None) -> Claim | None:
    return Claim.objects.filter(text_hash=text_hash).exclude(pk=exclude_pk).order_by("pk").first()  # type: ignore[misc]  # pk=None matches nothing


def _duplicate_error(existing: Claim) -> ValidationError:
    return ValidationError(
        {
            "text": ValidationError(
                "The same claim is already recorded as claim #%(id)s. Work on that one, or "
                "log this one as a duplicate of it.",
                code="duplicate",
                params={"id": existing.pk},
            )
        }
    )


# --- Claimants -------------------------------------------------------------------------------


@transaction.atomic
def claimant_create(
    *,
    actor: User,
    name: str,
    kind: str = Claimant.Kind.PERSON,
    title: str = "",
    affiliation: str = "",
    country: str = "",
) -> Claimant:
    require_role(actor, Role.VIEWER, action="Adding a claimant")
    claimant = Claimant(
        name=collapse_whitespace(name),
        kind=kind,
        title=collapse_whitespace(title),
        affiliation=collapse_whitespace(affiliation),
        country=country.strip().upper(),
    )
    claimant.full_clean(validate_constraints=False)
    _check_claimant_unique(claimant)
    try:
        with transaction.atomic():
            claimant.save()
    except IntegrityError as exc:
        # Lost a race with someone adding the same claimant; full_clean checked before it.
        raise _claimant_exists() from exc
    return claimant


def _claimant_exists() -> ValidationError:
    return ValidationError(
        {"name": ValidationError("This claimant is already recorded.", code="unique")}
    )


def _check_claimant_unique(claimant: Claimant) -> None:
    clash = Claimant.objects.filter(name=claimant.name, title=claimant.title).exclude(
        pk=claimant.pk
    )
    if clash.exists():
        raise _claimant_exists()


@transaction.atomic
def claimant_update(*, claimant: Claimant, actor: User, **changes: Any) -> Claimant:
    require_role(actor, Role.VIEWER, action="Editing a claimant")
    reject_unknown_fields(changes, ("name", "kind", "title", "affiliation", "country"))
    for field, value in changes.items():
        if isinstance(value, str):
            value = collapse_whitespace(value)
            value = value.upper() if field == "country" else value
        setattr(claimant, field, value)
    claimant.full_clean(validate_constraints=False)
    _check_claimant_unique(claimant)
    claimant.save(update_fields=list(changes))
    return claimant


# --- Claims ----------------------------------------------------------------------------------


@transaction.atomic
def claim_create(
    *,
    actor: User,
    text: str,
    kind: str = Claim.Kind.FACT,
    claimant: Claimant | None = None,
    made_on: date | None = None,
    made_on_precision: str = Claim.DatePrecision.DAY,
    language: str = "en",
    tags: Iterable[str] = (),
    allow_duplicate: bool = False,
) -> Claim:
    """Log a claim. An exact duplicate is refused, or with ``allow_duplicate`` logged and linked."""
    require_role(actor, Role.VIEWER, action="Logging a claim")
    claim = Claim(
        text=claim_text_normalize(text),
        kind=kind,
        claimant=claimant,
        made_on=made_on,
        made_on_precision=made_on_precision,
        language=language.strip(),
        created_by=actor,
    )
    _check_attribution(claim)
    claim.full_clean(exclude=["text_hash"])
    claim.made_on = _partial_date(claim.made_on, claim.made_on_precision)
    claim.text_hash = claim_text_hash(text=claim.text, kind=claim.kind)
    existing = _check_not_duplicate(text_hash=claim.text_hash)
    if existing is not None and not allow_duplicate:
        raise _duplicate_error(existing)
    claim.save()
    claim.tags.set(_tags_from_names(tags))
    if existing is not None:
        ClaimRelation.objects.create(
            from_claim=claim,
            to_claim=existing,
            kind=ClaimRelation.Kind.DUPLICATES,
            note="Logged as an exact duplicate.",
            created_by=actor,
        )
    return claim


@transaction.atomic
def claim_update(*, claim: Claim, actor: User, expected_version: int, **changes: Any) -> Claim:
    """Edit what a claim says. Refused if the claim moved past ``expected_version``.

    Its author (any role) or a fact-checker may edit. Changing the wording, kind or claimant of a
    claim with a verdict flags it for review.
    """
    reject_unknown_fields(changes, CLAIM_EDITABLE_FIELDS)
    if claim.created_by_id != actor.pk:
        require_role(actor, Role.FACT_CHECKER, action="Editing someone else's claim")
    else:
        require_role(actor, Role.VIEWER, action="Editing a claim")
    claim = claim_lock_for_write(claim_id=claim.pk, expected_version=expected_version)
    meaning_before = _meaning(claim)
    tag_names = changes.pop("tags", None)
    for field, value in changes.items():
        if field == "text":
            value = claim_text_normalize(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(claim, field, value)
    _check_attribution(claim)
    claim.full_clean(exclude=["text_hash"])
    update_fields = set(changes)
    if {"made_on", "made_on_precision"} & update_fields:
        claim.made_on = _partial_date(claim.made_on, claim.made_on_precision)
        update_fields.add("made_on")
    if {"text", "kind"} & update_fields:
        claim.text_hash = claim_text_hash(text=claim.text, kind=claim.kind)
        existing = _check_not_duplicate(text_hash=claim.text_hash, exclude_pk=claim.pk)
        if existing is not None:
            raise _duplicate_error(existing)
        update_fields.add("text_hash")
    # A form that sends every field back unchanged has not changed what was checked.
    if claim.has_verdict and _meaning(claim) != meaning_before:
        claim.needs_review = True
        update_fields.add("needs_review")
    if tag_names is not None:
        claim.tags.set(_tags_from_names(tag_names))
    return claim_save_bumped(claim=claim, update_fields=update_fields)


# --- Relations -------------------------------------------------------------------------------


@transaction.atomic
def claim_relation_create(
    *,
    actor: User,
    from_claim: Claim,
    to_claim: Claim,
    kind: str,
    note: str = "",
) -> ClaimRelation:
    """Relate two claims. Contradicts and duplicates are symmetric: one row stands for both ways."""
    require_role(actor, Role.FACT_CHECKER, action="Relating claims")
    if from_claim.pk == to_claim.pk:
        raise ValidationError(
            {"to_claim": ValidationError("A claim cannot be related to itself.", code="self")}
        )
    relation = ClaimRelation(
        from_claim=from_claim, to_claim=to_claim, kind=kind, note=note.strip(), created_by=actor
    )
    relation.full_clean(validate_constraints=False)
    pairs = [(from_claim.pk, to_claim.pk)]
    if kind in ClaimRelation.SYMMETRIC:
        pairs.append((to_claim.pk, from_claim.pk))
    for a, b in pairs:
        if ClaimRelation.objects.filter(from_claim_id=a, to_claim_id=b, kind=kind).exists():
            raise ValidationError(
                {
                    "to_claim": ValidationError(
                        "These claims are already related so.", code="duplicate"
                    )
                }
            )
    relation.save()
    return relation


@transaction.atomic
def claim_relation_delete(*, relation: ClaimRelation, actor: User) -> None:
    require_role(actor, Role.FACT_CHECKER, action="Removing a claim relation")
    relation.delete()
