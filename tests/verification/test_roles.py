"""Newsroom roles: the groups the data migration creates, role checks, and synced permissions."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied

from config.roles import (
    ROLE_MODEL_PERMISSIONS,
    VIEW_ALL_APPS,
    Role,
    has_role,
    permissions_for,
    require_role,
    user_role,
)
from tests.factories import UserFactory
from verification.roles import sync_role_permissions

pytestmark = pytest.mark.django_db

GROUP_NAMES = ["viewer", "fact_checker", "editor"]
role_groups_migration = importlib.import_module("verification.migrations.0002_role_groups")


def _group_perms(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def _our_models() -> list[tuple[str, str]]:
    return [
        (model._meta.app_label, model._meta.model_name)
        for app_label in VIEW_ALL_APPS
        for model in apps.get_app_config(app_label).get_models()
    ]


# --- The groups --------------------------------------------------------------------------------


def test_the_data_migration_created_the_three_role_groups():
    assert set(Group.objects.filter(name__in=GROUP_NAMES).values_list("name", flat=True)) == set(
        GROUP_NAMES
    )


def test_role_group_names_match_the_migration():
    assert [role.group_name for role in Role] == list(role_groups_migration.ROLE_GROUPS)


def test_the_data_migration_is_idempotent_and_reversible():
    role_groups_migration.create_groups(apps, None)
    assert Group.objects.filter(name__in=GROUP_NAMES).count() == 3

    role_groups_migration.remove_groups(apps, None)
    assert not Group.objects.filter(name__in=GROUP_NAMES).exists()

    role_groups_migration.create_groups(apps, None)
    assert Group.objects.filter(name__in=GROUP_NAMES).count() == 3


# --- user_role, has_role, require_role ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("outsider", None),
        ("viewer", Role.VIEWER),
        ("fact_checker", Role.FACT_CHECKER),
        ("editor", Role.EDITOR),
    ],
)
def test_user_role_is_the_role_of_the_users_group(request, who, role):
    assert user_role(request.getfixturevalue(who)) == role


def test_a_user_in_several_groups_has_the_highest_role():
    user = UserFactory()
    user.groups.add(*Group.objects.filter(name__in=["viewer", "editor"]))

    assert user_role(user) == Role.EDITOR


def test_a_superuser_counts_as_an_editor():
    assert user_role(UserFactory(is_superuser=True)) == Role.EDITOR


def test_an_inactive_user_has_no_role(editor):
    editor.is_active = False
    editor.save(update_fields=["is_active"])

    assert user_role(editor) is None
    assert user_role(UserFactory(is_superuser=True, is_active=False)) is None


@pytest.mark.parametrize("user", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_nobody_signed_in_has_no_role(user):
    assert user_role(user) is None
    assert not has_role(user, Role.VIEWER)


def test_a_group_that_is_not_a_role_gives_no_role():
    user = UserFactory()
    user.groups.add(Group.objects.create(name="interns"))

    assert user_role(user) is None


@pytest.mark.parametrize(
    ("who", "held"),
    [
        ("outsider", set()),
        ("viewer", {Role.VIEWER}),
        ("fact_checker", {Role.VIEWER, Role.FACT_CHECKER}),
        ("editor", {Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR}),
    ],
)
def test_roles_are_cumulative(request, who, held):
    user = request.getfixturevalue(who)

    assert {role for role in Role if has_role(user, role)} == held


def test_require_role_refuses_a_lower_role_and_names_the_needed_one(viewer, fact_checker):
    require_role(fact_checker, Role.FACT_CHECKER, action="Adding evidence")

    with pytest.raises(PermissionDenied, match="Adding evidence needs the fact-checker role"):
        require_role(viewer, Role.FACT_CHECKER, action="Adding evidence")


# --- Group permissions, synced after migrate ---------------------------------------------------


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_every_role_group_can_view_every_model_of_ours(group):
    perms = _group_perms(group)

    missing = [f"{app}.view_{model}" for app, model in _our_models()]
    assert [perm for perm in missing if perm not in perms] == []


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.group_name)
def test_each_role_group_has_exactly_its_roles_permissions(role):
    view = {f"{app}.view_{model}" for app, model in _our_models()}

    assert _group_perms(role.group_name) == view | permissions_for(role)


def test_every_configured_permission_exists():
    existing = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }

    configured = set().union(*ROLE_MODEL_PERMISSIONS.values())
    assert configured - existing == set()


def test_editors_may_rate_outlets_and_nobody_else_may(viewer, fact_checker, editor):
    assert "sources.add_reliabilityrating" in _group_perms("editor")
    assert editor.has_perm("sources.add_reliabilityrating")
    assert not fact_checker.has_perm("sources.add_reliabilityrating")
    assert not viewer.has_perm("sources.add_reliabilityrating")


@pytest.mark.parametrize("group", GROUP_NAMES)
@pytest.mark.parametrize(
    "model", ["verification.statuschange", "verification.publication", "sources.reliabilityrating"]
)
def test_no_role_may_change_or_delete_append_only_rows(group, model):
    app, name = model.split(".")

    perms = _group_perms(group)

    assert f"{app}.change_{name}" not in perms
    assert f"{app}.delete_{name}" not in perms


def test_syncing_again_changes_nothing_and_drops_stray_permissions():
    before = {name: _group_perms(name) for name in GROUP_NAMES}
    viewer = Group.objects.get(name="viewer")
    viewer.permissions.add(Permission.objects.get(codename="delete_user"))

    sync_role_permissions()

    assert {name: _group_perms(name) for name in GROUP_NAMES} == before


def test_syncing_recreates_a_missing_role_group():
    Group.objects.filter(name="editor").delete()

    sync_role_permissions()

    assert "sources.add_reliabilityrating" in _group_perms("editor")
