"""Keeps the role groups' admin permissions in step with ``config.roles`` after every migrate."""

from typing import Any

from django.contrib.auth.models import Group, Permission

from config.roles import VIEW_ALL_APPS, Role, permissions_for


def sync_role_permissions(**kwargs: Any) -> None:
    """Give each role group exactly the model permissions its role has (idempotent)."""
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=VIEW_ALL_APPS
        )
    }
    view = {key for key in perms if key.split(".", 1)[1].startswith("view_")}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.group_name)
        wanted = [perms[key] for key in sorted(view | permissions_for(role)) if key in perms]
        group.permissions.set(wanted)
