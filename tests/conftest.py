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
def hidden(editor):
    """A sensitive source (an informant) an editor logged: on no claim, granted to nobody."""
    from tests.factories import SourceFactory

    return SourceFactory(
        is_sensitive=True,
        created_by=editor,
        title="Informant",
        url="https://informant.example/leak",
    )


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


# --- Outbound HTTP and archives -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _test_network(settings):
    """Every fetch resolves names through the test resolver; nothing is allow-listed unless a
    test asks (``fetch_allowed``)."""
    from tests import network

    network.ANSWERS.clear()
    settings.CLAIMTRAIL_FETCH_RESOLVER = "tests.network.resolve"
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = []
    yield network.ANSWERS
    network.ANSWERS.clear()


@pytest.fixture
def dns(_test_network) -> dict[str, list[str]]:
    """Fixed answers of the test resolver: ``dns["news.example"] = ["127.0.0.1"]``."""
    return _test_network


@pytest.fixture(autouse=True)
def _archive_storage(settings, tmp_path_factory):
    """WARCs and uploads go to a fresh folder per test, never to var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "archives": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path_factory.mktemp("archives"), "base_url": None},
        },
    }


@pytest.fixture
def fetch_allowed(settings) -> list[str]:
    """Allow-list 127.0.0.1, where the tests' web servers listen (127.0.0.2 stays refused: the
    canary listens there)."""
    settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES = ["127.0.0.1"]
    settings.CLAIMTRAIL_FETCH_DEADLINE = 5.0
    settings.CLAIMTRAIL_FETCH_CONNECT_TIMEOUT = 2.0
    settings.CLAIMTRAIL_FETCH_READ_TIMEOUT = 2.0
    return settings.CLAIMTRAIL_FETCH_ALLOW_ADDRESSES


@pytest.fixture(scope="session", autouse=True)
def _in_memory_broker():
    """Jobs enqueued on commit by in-process tests go to an in-memory broker nobody consumes;
    tests of the pipeline start their own Redis and worker processes."""
    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    yield
