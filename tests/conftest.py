"""Shared fixtures: the cast of named users, one per role, and settings for tests."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from config.roles import Role
from tests.factories import UserFactory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` need row locks under real concurrency. On a SQLite run they are
    deselected (the PostgreSQL run of ``make test`` runs them); they are never skipped."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if os.environ.get("CLAIMTRAIL_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("CLAIMTRAIL_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    keep = [item for item in items if item.get_closest_marker("postgres") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    # PBKDF2 costs ~0.25 s per user; the tests are not about password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:
    # The manifest storage of production needs collectstatic; tests render the admin without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _user_with_role(username: str, role: Role | None, **extra) -> User:
    user = UserFactory(username=username, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.group_name))
    return user


@pytest.fixture
def viewer(db) -> User:
    """Newsroom staff: reads, searches, logs claims and sources."""
    return _user_with_role("vera_viewer", Role.VIEWER)


@pytest.fixture
def fact_checker(db) -> User:
    return _user_with_role("fiona_checker", Role.FACT_CHECKER)


@pytest.fixture
def other_fact_checker(db) -> User:
    return _user_with_role("felix_checker", Role.FACT_CHECKER)


@pytest.fixture
def editor(db) -> User:
    return _user_with_role("edith_editor", Role.EDITOR)


@pytest.fixture
def other_editor(db) -> User:
    return _user_with_role("eric_editor", Role.EDITOR)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but in no newsroom group."""
    return _user_with_role("oscar_outsider", None)


@pytest.fixture
def users_by_role(viewer, fact_checker, editor, outsider) -> dict[str, User]:
    return {
        "outsider": outsider,
        "viewer": viewer,
        "fact_checker": fact_checker,
        "editor": editor,
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    module = __import__("sys").modules.get("tests.api.test_schemathesis")
    if module is not None and module.CASES:
        terminalreporter.write_line(module.pytest_terminal_summary_line())
