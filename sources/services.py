"""Every write to outlets, ratings, sources and citations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.roles import Role, has_role, require_role, user_role
from config.validation import reject_unknown_fields
from sources.archiving.services import snapshot_request
from sources.canonical import (
    InvalidURL,
    canonicalize,
    host_of,
    normalize_domain,
    normalize_handle,
    parent_domains,
    registrable_domain,
    social_handle,
)
from sources.models import (
    Citation,
    Outlet,
    OutletDomain,
    OutletHandle,
    ReliabilityRating,
    RestrictedSourceAttempt,
    Source,
    SourceGrant,
)
from sources.selectors import (
    source_access_forget,
    source_is_visible_to,
    source_visible_by_url,
    source_visible_check,
)

OUTLET_FIELDS = ("name", "kind", "country", "affiliation", "owner", "party_to", "description")
SOURCE_FIELDS = (
    "kind", "title", "url", "outlet", "author", "published_at", "language", "sourcing", "summary",
    "is_sensitive",
)  # fmt: skip


# --- Outlets ---------------------------------------------------------------------------------


@transaction.atomic
def outlet_create(
    *,
    actor: User,
    name: str,
    kind: str = Outlet.Kind.WEBSITE,
    country: str = "",
    affiliation: str = Outlet.Affiliation.UNKNOWN,
    owner: str = "",
    party_to: str = "",
    description: str = "",
    domains: list[str] | None = None,
    handles: list[tuple[str, str]] | None = None,
) -> Outlet:
    require_role(actor, Role.FACT_CHECKER, action="Creating an outlet")
    outlet = Outlet(
        name=name.strip(),
        kind=kind,
        country=country.upper(),
        affiliation=affiliation,
        owner=owner.strip(),
        party_to=party_to.strip(),
        description=description,
    )
    outlet.full_clean()
    outlet.save()
    for domain in domains or []:
        _outlet_domain_add(outlet=outlet, domain=domain)
    for platform, handle in handles or []:
        _outlet_handle_add(outlet=outlet, platform=platform, handle=handle)
    return outlet


@transaction.atomic
def outlet_update(*, outlet: Outlet, actor: User, **changes: Any) -> Outlet:
    require_role(actor, Role.FACT_CHECKER, action="Editing an outlet")
    reject_unknown_fields(changes, OUTLET_FIELDS)
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip().upper() if field == "country" else value.strip()
        setattr(outlet, field, value)
    outlet.full_clean()
    outlet.save(update_fields=[*changes, "updated_at"])
    return outlet


@transaction.atomic
def outlet_domain_add(*, outlet: Outlet, actor: User, domain: str) -> OutletDomain:
    require_role(actor, Role.FACT_CHECKER, action="Adding a domain to an outlet")
    return _outlet_domain_add(outlet=outlet, domain=domain)


@transaction.atomic
def outlet_handle_add(*, outlet: Outlet, actor: User, platform: str, handle: str) -> OutletHandle:
    require_role(actor, Role.FACT_CHECKER, action="Adding a handle to an outlet")
    return _outlet_handle_add(outlet=outlet, platform=platform, handle=handle)


def _outlet_domain_add(*, outlet: Outlet, domain: str) -> OutletDomain:
    row = OutletDomain(outlet=outlet, domain=normalize_domain(domain))
    row.full_clean()
    row.save()
    return row


def _outlet_handle_add(*, outlet: Outlet, platform: str, handle: str) -> OutletHandle:
    row = OutletHandle(outlet=outlet, platform=platform, handle=normalize_handle(handle))
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def outlet_rate(
    *,
    outlet: Outlet,
    actor: User,
    grade: str,
    rationale: str,
    external_reference: str = "",
) -> ReliabilityRating:
    """Append a reliability grade; it becomes the outlet's current grade."""
    require_role(actor, Role.EDITOR, action="Rating an outlet")
    rating = ReliabilityRating(
        outlet=outlet,
        grade=grade,
        rationale=rationale.strip(),
        external_reference=external_reference.strip(),
        rated_by=actor,
    )
    rating.full_clean()
    rating.save()
    return rating


_HANDLE_MAX_LENGTH = OutletHandle._meta.get_field("handle").max_length or 100


def outlet_for_url(*, canonical_url: str, create: bool = True) -> Outlet | None:
    """The outlet owning a canonical URL (by social handle, else by domain), created if none does
    (unless ``create`` is false: then None).

    Runs inside the caller's transaction. A concurrent creator of the same outlet wins the unique
    constraint; we then use its row.
    """
    handle = social_handle(canonical_url)
    if handle is not None and len(handle.handle) > _HANDLE_MAX_LENGTH:
        handle = None  # no platform allows such a name; attach by domain instead
    if handle is not None:
        existing = (
            OutletHandle.objects.select_related("outlet")
            .filter(platform=handle.platform, handle=handle.handle)
            .first()
        )
        if existing is not None:
            return existing.outlet
        if not create:
            return None
        platform_label = OutletHandle.Platform(handle.platform).label
        kind = (
            Outlet.Kind.MESSAGING_CHANNEL
            if handle.platform == OutletHandle.Platform.TELEGRAM
            else Outlet.Kind.SOCIAL_ACCOUNT
        )
        try:
            with transaction.atomic():
                outlet = Outlet.objects.create(
                    name=f"{handle.handle} ({platform_label})", kind=kind
                )
                OutletHandle.objects.create(
                    outlet=outlet, platform=handle.platform, handle=handle.handle
                )
                return outlet
        except IntegrityError:
            return OutletHandle.objects.get(platform=handle.platform, handle=handle.handle).outlet

    host = host_of(canonical_url)
    owned = (
        OutletDomain.objects.select_related("outlet")
        .filter(domain__in=parent_domains(host))
        .order_by()
    )
    best = max(owned, key=lambda row: len(row.domain), default=None)
    if best is not None:
        return best.outlet
    if not create:
        return None
    domain = registrable_domain(host)
    try:
        with transaction.atomic():
            outlet = Outlet.objects.create(name=domain, kind=Outlet.Kind.WEBSITE)
            OutletDomain.objects.create(outlet=outlet, domain=domain)
            return outlet
    except IntegrityError:
        return OutletDomain.objects.get(domain=domain).outlet


# --- Sources ---------------------------------------------------------------------------------


def canonical_url_for(url: str) -> str:
    """The canonical form of a cited URL, or a field-level ValidationError on ``url``."""
    try:
        canonical = canonicalize(url)
    except InvalidURL as exc:
        raise ValidationError(
            {
                "url": ValidationError(
                    "Enter a web address starting with http:// or https://.", code="invalid"
                )
            }
        ) from exc
    # Percent-encoding can make the canonical form longer than the address as typed.
    if len(canonical) > (Source._meta.get_field("canonical_url").max_length or 2000):
        raise ValidationError(
            {"url": ValidationError("This web address is too long.", code="max_length")}
        )
    return canonical


RESTRICTED_MESSAGE = "This address cannot be added. An editor has been told."


def _duplicate(clash: Source) -> ValidationError:
    return ValidationError(
        {
            "url": ValidationError(
                "This page is already recorded as source #%(id)s.",
                code="duplicate",
                params={"id": clash.pk},
            )
        }
    )


def _restricted() -> ValidationError:
    # Says nothing of the source: not its id, not that it is sensitive.
    return ValidationError({"url": ValidationError(RESTRICTED_MESSAGE, code="restricted")})


def _check_not_duplicate(canonical_url: str, *, actor: User, exclude_pk: int | None = None) -> None:
    clash = Source.objects.filter(canonical_url=canonical_url).exclude(pk=exclude_pk).first()  # type: ignore[misc]  # pk=None matches nothing
    if clash is None:
        return
    if not source_is_visible_to(source=clash, user=actor):
        raise _restricted()
    raise _duplicate(clash)


def source_url_resolve(*, actor: User, url: str) -> Source | None:
    """The source already recorded for ``url`` (any spelling), if the actor may see it; None if
    the page is not recorded. A page recorded as a sensitive source the actor may not see is
    refused with ``restricted``, and the attempt is recorded for editors.

    Call it outside any transaction of your own: the record of the attempt must outlive the
    refusal. ``source_create`` and ``source_update`` call it first for the same reason.
    """
    canonical = canonical_url_for(url)
    source, restricted = source_visible_by_url(canonical_url=canonical, user=actor)
    if restricted:
        hidden = Source.objects.get(canonical_url=canonical)
        with transaction.atomic():
            RestrictedSourceAttempt.objects.create(
                source=hidden, attempted_by=actor, url=url.strip()[:2000]
            )
        raise _restricted()
    return source


def _validated_url(source: Source) -> str:
    """The source's URL checked as a field, then its canonical form."""
    # Field validation first, so a javascript: URL is refused before we parse it.
    source.clean_fields(exclude=[f.name for f in Source._meta.fields if f.name != "url"])
    return canonical_url_for(source.url)


def source_create(
    *,
    actor: User,
    kind: str,
    url: str = "",
    title: str = "",
    outlet: Outlet | None = None,
    author: str = "",
    published_at: datetime | None = None,
    language: str = "",
    sourcing: str = Source.Sourcing.UNKNOWN,
    summary: str = "",
    is_sensitive: bool = False,
) -> Source:
    """Log a source. A URL is canonicalized and attached to its outlet (created if none owns it).

    A page already recorded is refused with ``duplicate`` naming it, or, if it is a sensitive
    source the actor may not see, with ``restricted`` naming nothing (``source_url_resolve``).
    """
    require_role(actor, Role.VIEWER, action="Logging a source")
    source = Source(
        kind=kind,
        url=url.strip(),
        title=title.strip(),
        author=author.strip(),
        published_at=published_at,
        language=language.strip(),
        sourcing=sourcing,
        summary=summary,
        is_sensitive=is_sensitive,
        created_by=actor,
        outlet=outlet,
    )
    if source.url:
        source.canonical_url = _validated_url(source)
        recorded = source_url_resolve(actor=actor, url=source.url)
        if recorded is not None:
            raise _duplicate(recorded)
    return _source_save_new(source=source, actor=actor)


@transaction.atomic
def _source_save_new(*, source: Source, actor: User) -> Source:
    # The unique canonical URL is checked by the database, not by full_clean: a concurrent
    # create of the same page would otherwise surface as a message naming the constraint.
    source.full_clean(validate_constraints=False)
    source.validate_constraints(exclude={"canonical_url"})
    if source.url and source.outlet is None:
        # Outlets are listed to everyone: a sensitive source (an informant's site or channel) must
        # not create one that names it. It joins an outlet that already owns the URL, if any.
        source.outlet = outlet_for_url(
            canonical_url=source.canonical_url or "", create=not source.is_sensitive
        )
    _save_unique_url(source, actor=actor)
    source_access_forget(actor)  # the logger sees it, even if this request read the rule already
    if source.url:
        # In the same transaction: the source never exists without its capture job.
        snapshot_request(source=source, actor=actor)
    return source


def _save_unique_url(source: Source, *, actor: User, **save: Any) -> None:
    try:
        with transaction.atomic():
            source.save(**save)
    except IntegrityError:
        # Lost a race with a concurrent create of the same page: answer as if we had seen it.
        if source.canonical_url:
            _check_not_duplicate(source.canonical_url, actor=actor, exclude_pk=source.pk)
        raise


def source_update(*, source: Source, actor: User, **changes: Any) -> Source:
    """Edit a source. Its creator or a fact-checker may; only an editor may lift 'sensitive'."""
    reject_unknown_fields(changes, SOURCE_FIELDS)
    if source.created_by_id != actor.pk:
        require_role(actor, Role.FACT_CHECKER, action="Editing someone else's source")
    else:
        require_role(actor, Role.VIEWER, action="Editing a source")
    source_visible_check(source=source, user=actor)
    new_url = changes.get("url")
    if isinstance(new_url, str) and new_url.strip():
        recorded = source_url_resolve(actor=actor, url=new_url)
        if recorded is not None and recorded.pk != source.pk:
            raise _duplicate(recorded)
    return _source_update(source=source, actor=actor, changes=changes)


@transaction.atomic
def _source_update(*, source: Source, actor: User, changes: dict[str, Any]) -> Source:
    source = Source.objects.select_for_update().get(pk=source.pk)
    was_sensitive = source.is_sensitive
    for field, value in changes.items():
        setattr(source, field, value.strip() if isinstance(value, str) else value)
    update_fields = [*changes, "updated_at"]
    if "url" in changes:
        if source.url:
            source.canonical_url = _validated_url(source)
            _check_not_duplicate(source.canonical_url, actor=actor, exclude_pk=source.pk)
            if "outlet" not in changes:
                source.outlet = outlet_for_url(
                    canonical_url=source.canonical_url, create=not source.is_sensitive
                )
                update_fields.append("outlet")
        else:
            source.canonical_url = None
        update_fields.append("canonical_url")
    source.full_clean(validate_constraints=False)
    source.validate_constraints(exclude={"canonical_url"})
    # After full_clean, so that 0 or "false" count as lifting the mark as much as False does.
    if was_sensitive and not source.is_sensitive:
        require_role(actor, Role.EDITOR, action="Lifting the sensitive mark")
    _save_unique_url(source, actor=actor, update_fields=sorted(set(update_fields)))
    if "url" in changes and source.url:
        snapshot_request(source=source, actor=actor)
    return source


# --- Citations -------------------------------------------------------------------------------


@transaction.atomic
def citation_create(
    *,
    actor: User,
    citing: Source,
    cited: Source,
    kind: str = Citation.Kind.CITES,
    note: str = "",
) -> Citation:
    """Record that ``citing`` quotes / cites / republishes / relies on ``cited``."""
    require_role(actor, Role.FACT_CHECKER, action="Recording a citation")
    source_visible_check(source=citing, user=actor, field="citing")
    source_visible_check(source=cited, user=actor, field="cited")
    if citing.pk == cited.pk:
        raise ValidationError(
            {"cited": ValidationError("A source cannot cite itself.", code="self_citation")}
        )
    twin = Citation.objects.filter(citing=citing, cited=cited)
    if twin.exists():
        raise _citation_duplicate()
    citation = Citation(citing=citing, cited=cited, kind=kind, note=note, created_by=actor)
    citation.full_clean(validate_constraints=False)
    _citation_insert(citation, twin=twin)
    return citation


def _citation_duplicate() -> ValidationError:
    return ValidationError(
        {"cited": ValidationError("This citation is already recorded.", code="duplicate")}
    )


def _citation_insert(citation: Citation, *, twin: Any) -> None:
    """Save a new citation. Two people recording the same one at once both pass the check
    above; the unique constraint refuses the second insert, in a savepoint so the transaction
    stays usable, and it is answered as the duplicate it is rather than a 500."""
    try:
        with transaction.atomic():
            citation.save()
    except IntegrityError:
        if not twin.exists():
            raise  # not the pair's constraint (a source deleted meanwhile): a real error
        raise _citation_duplicate() from None


@transaction.atomic
def citation_delete(*, citation: Citation, actor: User) -> None:
    require_role(actor, Role.FACT_CHECKER, action="Removing a citation")
    source_visible_check(source=citation.citing, user=actor, field="citing")
    source_visible_check(source=citation.cited, user=actor, field="cited")
    citation.delete()


# --- Access to sensitive sources -------------------------------------------------------------


def _check_grantee(grantee: User) -> None:
    role = user_role(grantee)
    if role is None:
        raise ValidationError(
            {"grantee": ValidationError("This person has no newsroom role.", code="no_role")}
        )
    if role >= Role.EDITOR:
        raise ValidationError(
            {"grantee": ValidationError("Editors see every source already.", code="editor")}
        )


def _check_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({field: ValidationError("Say why.", code="required")})
    return text


@transaction.atomic
def source_grant_create(*, actor: User, grantee: User, source: Source, reason: str) -> SourceGrant:
    """An editor lets one person see one sensitive source, from now until revoked."""
    require_role(actor, Role.EDITOR, action="Granting access to a sensitive source")
    reason = _check_reason(reason)
    _check_grantee(grantee)
    source = Source.objects.select_for_update().get(pk=source.pk)
    if not source.is_sensitive:
        raise ValidationError(
            {
                "source": ValidationError(
                    "This source is not sensitive: everyone in the newsroom sees it.",
                    code="not_sensitive",
                )
            }
        )
    if source.created_by_id == grantee.pk:
        raise ValidationError(
            {"grantee": ValidationError("They logged this source and see it.", code="creator")}
        )
    active = SourceGrant.objects.active().filter(grantee=grantee, source=source)
    if active.filter(claim_id__isnull=True).exists():
        raise ValidationError(
            {"grantee": ValidationError("They hold a grant on this source.", code="duplicate")}
        )
    grant = SourceGrant(grantee=grantee, source=source, reason=reason, granted_by=actor)
    grant.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as exc:
        # Another editor granted the same at the same moment (the source row lock orders us
        # after them, but their grant committed first): one grant, and ours is a duplicate.
        raise ValidationError(
            {"grantee": ValidationError("They hold a grant on this source.", code="duplicate")}
        ) from exc
    source_access_forget(grantee)
    return grant


@transaction.atomic
def source_grant_revoke(*, actor: User, grant: SourceGrant, reason: str) -> SourceGrant:
    """An editor ends a grant; it stays on record with who ended it, when and why."""
    require_role(actor, Role.EDITOR, action="Revoking access to a sensitive source")
    reason = _check_reason(reason)
    grant = SourceGrant.objects.select_for_update().select_related("grantee").get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ValidationError(
            {"grant": ValidationError("This grant was revoked already.", code="revoked")}
        )
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.revoke_reason = reason
    grant.full_clean()
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    source_access_forget(grant.grantee)
    return grant


def source_grants_for_claim(
    *,
    actor: User,
    grantee: User,
    claim_id: int,
    source_ids: Iterable[int],
    reason: str,
) -> list[SourceGrant]:
    """An editor's assignment of ``grantee`` to a claim lets them see its sensitive sources:
    one grant per sensitive source among ``source_ids`` that they do not see already. Runs in
    the caller's transaction (``verification``'s assignment)."""
    require_role(actor, Role.EDITOR, action="Granting access with an assignment")
    if user_role(grantee) is None or has_role(grantee, Role.EDITOR):
        return []
    held = set(
        SourceGrant.objects.active()
        .filter(grantee=grantee, claim_id=claim_id)
        .values_list("source_id", flat=True)
    )
    sensitive = (
        Source.objects.filter(pk__in=set(source_ids), is_sensitive=True)
        .exclude(created_by=grantee)
        .exclude(pk__in=held)
        .order_by("pk")
    )
    grants = [
        SourceGrant(
            grantee=grantee, source=source, claim_id=claim_id, reason=reason, granted_by=actor
        )
        for source in sensitive
    ]
    for grant in grants:
        grant.full_clean(validate_constraints=False)
    SourceGrant.objects.bulk_create(grants)
    source_access_forget(grantee)
    return grants


def source_grants_end_for_claim(*, actor: User, grantee_id: int, claim_id: int, reason: str) -> int:
    """End every active grant that came with ``grantee``'s assignment to a claim; how many."""
    require_role(actor, Role.VIEWER, action="Ending an assignment's access")
    ended = (
        SourceGrant.objects.active()
        .filter(grantee_id=grantee_id, claim_id=claim_id)
        .update(revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason[:2000])
    )
    return ended
