"""Newsroom roles: the three groups, what each may do in the admin, and the checks services use.

Roles are cumulative: an editor can do everything a fact-checker can, who can do everything a
viewer can. Services call ``require_role`` so that no entry point (admin, API, shell, command)
can go around them; the Django model permissions below only decide what the admin shows.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Role(enum.IntEnum):
    VIEWER = 1
    FACT_CHECKER = 2
    EDITOR = 3

    @property
    def group_name(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return self.name.replace("_", "-").lower()


GROUP_ROLES = {role.group_name: role for role in Role}
_UNSET: Any = object()

# Admin (Django model) permissions per role, cumulative. "view" on every model of ours is given to
# every role; these are the extra add/change/delete permissions. Services enforce the real rules.
ROLE_MODEL_PERMISSIONS: dict[Role, set[str]] = {
    Role.VIEWER: {
        "claims.add_claim",
        "claims.change_claim",
        "claims.add_claimant",
        "claims.change_claimant",
        "claims.add_tag",
        "sources.add_source",
        "sources.change_source",
    },
    Role.FACT_CHECKER: {
        "claims.add_claimrelation",
        "claims.delete_claimrelation",
        "sources.add_citation",
        "sources.delete_citation",
        "sources.add_outlet",
        "sources.change_outlet",
        "sources.add_outletdomain",
        "sources.change_outletdomain",
        "sources.delete_outletdomain",
        "sources.add_outlethandle",
        "sources.change_outlethandle",
        "sources.delete_outlethandle",
        "verification.add_evidence",
        "verification.change_evidence",
        "verification.delete_evidence",
    },
    Role.EDITOR: {
        "sources.add_reliabilityrating",
        "verification.add_publication",
    },
}
VIEW_ALL_APPS = ("claims", "sources", "verification")


def permissions_for(role: Role) -> set[str]:
    """Every extra model permission a role has, its own and those of the roles below it."""
    perms: set[str] = set()
    for lower in Role:
        if lower <= role:
            perms |= ROLE_MODEL_PERMISSIONS[lower]
    return perms


def user_role(user: User | AnonymousUser | None) -> Role | None:
    """The highest role a user holds, or None. Superusers (operators) count as editors."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.EDITOR
    # Cached on the user object for its lifetime (one request): a request asks several times.
    cached = getattr(user, "_claimtrail_role", _UNSET)
    if cached is not _UNSET:
        return cached
    names: Any = user.groups.filter(name__in=GROUP_ROLES).values_list("name", flat=True)
    roles = [GROUP_ROLES[name] for name in names]
    role = max(roles) if roles else None
    user._claimtrail_role = role  # type: ignore[attr-defined]  # a per-request cache, not a field
    return role


def has_role(user: User | AnonymousUser | None, role: Role) -> bool:
    held = user_role(user)
    return held is not None and held >= role


def require_role(user: User | AnonymousUser | None, role: Role, *, action: str) -> None:
    """Raise PermissionDenied unless the user holds ``role`` (or a higher one)."""
    if not has_role(user, role):
        raise PermissionDenied(f"{action} needs the {role.label} role.")


def forget_cached_role(*, instance: Any, **kwargs: Any) -> None:
    """m2m_changed on User.groups: a user object whose groups change forgets its cached role."""
    if hasattr(instance, "_claimtrail_role"):
        del instance._claimtrail_role
