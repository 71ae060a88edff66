"""Browser tests: Playwright (sync API) driving Debian's Chromium against Django's live server.

Playwright's sync API marks an asyncio loop as running in the test's thread for as long as it is
started, and Django refuses ORM calls there (SynchronousOnlyOperation). So each test gets its
data first (the ``newsroom`` fixture, before Playwright starts), ORM calls in the middle of a
test go through ``orm()`` (a helper thread), and Playwright is stopped before pytest-django
flushes the database at teardown. That is why Playwright and its Chromium start once per test
rather than once per session: a browser kept open for the session would keep the loop marked
running through every teardown flush (and through the tests that run after these). Starting
them costs about half a second; every test gets a fresh browser context in any case.

Chromium is Debian's (``/usr/bin/chromium``; ``.ci/run`` installs it). Playwright never
downloads a browser here. A missing Chromium fails the tests; it never skips them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path(os.environ.get("CLAIMTRAIL_CHROMIUM", "/usr/bin/chromium"))
# What Chromium needs on these machines (env's machine page): no sandbox as root, no GPU, and
# none of the background connections that a closed network refuses many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "ui-tests-password"  # the test users' password
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# The live server listens on 127.0.0.1, which pytest-socket allows (``localhost`` may be ::1).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

T = TypeVar("T")


# --- ORM outside Playwright's loop -------------------------------------------------------------


def orm(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a helper thread, where no event loop is marked running.

    An in-memory SQLite test database lives in one connection: the helper thread borrows it,
    as the live server's threads do. Any other database gets a connection of its own, closed
    afterwards so that nothing holds the test database open.
    """
    shared = {
        conn.alias: conn
        for conn in connections.all(initialized_only=True)
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }

    def call() -> T:
        for alias, conn in shared.items():
            connections[alias] = conn
        try:
            return fn(*args, **kwargs)
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.alias not in shared:
                    conn.close()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orm") as pool:
        return pool.submit(call).result(timeout=60)


# --- Data: the demo newsroom and a user per role -----------------------------------------------


@dataclass
class Newsroom:
    """Ids the journeys need, read before the browser starts."""

    claims: dict[str, int] = field(default_factory=dict)  # demo key -> id
    sources: dict[str, int] = field(default_factory=dict)  # demo key -> id
    outlets: dict[str, int] = field(default_factory=dict)  # demo key -> id
    users: dict[str, str] = field(default_factory=dict)  # role -> username


def _load_newsroom() -> Newsroom:
    from django.contrib.auth.models import Group, User

    from config.roles import Role
    from demo.newsroom import CLAIMS, OUTLETS, SOURCES, demo_claim, demo_load
    from sources.models import Outlet, Source
    from verification.roles import sync_role_permissions

    sync_role_permissions()  # the role groups (normally there: flush re-runs post_migrate)
    demo_load(password=PASSWORD)
    second = User.objects.create_user("checker2", password=PASSWORD, is_staff=True)
    second.groups.add(Group.objects.get(name=Role.FACT_CHECKER.group_name))
    User.objects.create_user("outsider", password=PASSWORD)
    room = Newsroom(
        users={
            "viewer": "viewer",
            "fact_checker": "checker",
            "other_fact_checker": "checker2",
            "editor": "editor",
            "outsider": "outsider",
        }
    )
    for spec in CLAIMS:
        claim = demo_claim(spec.key)
        if claim is not None:
            room.claims[spec.key] = claim.pk
    titles = {spec.title: spec.key for spec in SOURCES}
    for pk, title in Source.objects.filter(title__in=titles).values_list("pk", "title"):
        room.sources[titles[title]] = pk
    names = {spec.name: spec.key for spec in OUTLETS}
    for pk, name in Outlet.objects.filter(name__in=names).values_list("pk", "name"):
        room.outlets[names[name]] = pk
    return room


@pytest.fixture
def newsroom(transactional_db: None) -> Newsroom:
    """The demo newsroom, users per role with ``PASSWORD``; built before Playwright starts."""
    return _load_newsroom()


# --- Browser -----------------------------------------------------------------------------------


def _require_chromium() -> None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        how = "apt-get update && apt-get install -y --no-install-recommends chromium"
        where = "CI" if os.environ.get("CI") == "true" else "this machine"
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, missing on {where}. "
            f"Install it with `{how}` (.ci/run does). Playwright must not download a browser.",
            pytrace=False,
        )


@dataclass
class Desk:
    """One signed-in (or anonymous) person: a browser context, its page, its screenshots."""

    page: Any  # playwright.sync_api.Page
    base_url: str
    folder: Path
    name: str
    shots: list[Path] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, step: str | None = None) -> Any:
        response = self.page.goto(self.url(path))
        if step:
            self.shot(step)
        return response

    def shot(self, step: str) -> Path:
        """A full-page screenshot: var/screenshots/<test>/<person>-<nn>-<step>.png."""
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.name}-{len(self.shots) + 1:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Through the real sign-in page, as a person would (relative to the context's base URL)."""
    page.goto("/signin/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin/" not in url)


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(live_server: Any, newsroom: Newsroom) -> Iterator[Any]:
    """Playwright and Chromium for this test, started after its data is in place."""
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def desks(
    browser: Any, live_server: Any, screenshot_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Desk]]:
    """``desks(username=None, name=..., viewport=...)`` opens a fresh context (its own cookies)
    and page, signed in as ``username`` through the sign-in page when one is given."""
    opened: list[tuple[Any, Desk]] = []

    def open_desk(
        username: str | None = None, *, name: str | None = None, viewport: dict | None = None
    ) -> Desk:
        context = browser.new_context(
            viewport=viewport or VIEWPORT, base_url=live_server.url, locale="en-GB"
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        desk = Desk(page, live_server.url, screenshot_dir, name or username or "anonymous")
        opened.append((context, desk))
        if username:
            sign_in(page, username)
            desk.shot("signed-in")
        return desk

    yield open_desk
    failed = getattr(request.node, "rep_call", None)
    for context, desk in opened:
        if failed is not None and failed.failed:
            try:
                desk.shot("at-failure")
            except Exception as exc:  # the page may be gone; the failure itself matters more
                print(f"no screenshot at failure for {desk.name}: {exc}")
        context.close()


@pytest.fixture
def desk(desks: Callable[..., Desk]) -> Desk:
    """An anonymous person's page (sign in with ``sign_in(desk.page, username)``)."""
    return desks()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """axe's findings per page, serious or not, so a person sees what remains to fix."""
    module = __import__("sys").modules.get("tests.ui.test_accessibility")
    results = getattr(module, "AXE_RESULTS", None)
    if not results:
        return
    terminalreporter.section("axe-core (vendored 4.11.0): violations per page")
    for label, url, counts, details in results:
        summary = ", ".join(f"{n} {impact}" for impact, n in sorted(counts.items())) or "none"
        terminalreporter.write_line(f"{label}: {summary}  [{url}]")
        if counts:
            terminalreporter.write_line(details)
