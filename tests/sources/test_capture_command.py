"""``manage.py capture``: runs pending captures through the capture service, one line each."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sources.models import Snapshot, Source
from sources.services import source_create
from tests.api.test_snapshots import LocalSite, site_fixture  # noqa: F401 (fixture "site")

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def capture(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("capture", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def logged(viewer, url: str) -> Source:
    return source_create(actor=viewer, kind="article", url=url)


def test_all_pending_captures_each_and_reports_a_line_and_a_summary(
    viewer, site: LocalSite, fetch_allowed
):
    article = logged(viewer, site.url("/article")).snapshots.get()
    gone = logged(viewer, site.url("/gone")).snapshots.get()

    lines = capture("--all-pending").splitlines()

    article.refresh_from_db()
    assert article.status == "archived"
    assert lines[0] == (
        f"#{article.pk}  archived  {article.url}  sha256 {article.sha256[:12]}, {article.title!r}"
    )
    assert lines[1] == (
        f"#{gone.pk}  failed    {gone.url}  http_404: The site answered 404 Not Found."
    )
    assert lines[2] == "2 captures: 1 archived, 1 failed."
    assert site.hits["/article"] == site.hits["/gone"] == 1


def test_a_refused_address_is_reported_blocked_and_never_contacted(viewer, site: LocalSite):
    snapshot = logged(viewer, site.url("/article")).snapshots.get()  # 127.0.0.1, not allowed

    output = capture("--all-pending")

    snapshot.refresh_from_db()
    assert snapshot.status == "blocked"
    assert f"#{snapshot.pk}  blocked   {snapshot.url}  {snapshot.error_code}: " in output
    assert output.endswith("1 capture: 1 blocked.\n")
    assert not site.hits


def test_source_runs_only_the_named_sources_captures(viewer, site: LocalSite, fetch_allowed):
    named = logged(viewer, site.url("/article"))
    other = logged(viewer, site.url("/other")).snapshots.get()

    capture("--source", str(named.pk))

    assert named.snapshots.get().status == "archived"
    other.refresh_from_db()
    assert other.status == "pending"


def test_limit_runs_the_oldest_first(viewer, dns):
    dns["blocked.example"] = ["127.0.0.1"]
    first = logged(viewer, "http://blocked.example/1").snapshots.get()
    second = logged(viewer, "http://blocked.example/2").snapshots.get()

    capture("--all-pending", "--limit", "1")

    assert Snapshot.objects.get(pk=first.pk).status == "blocked"
    assert Snapshot.objects.get(pk=second.pk).status == "pending"


def test_a_capture_waiting_out_a_retry_runs_only_when_its_source_is_named(viewer, dns):
    dns["blocked.example"] = ["127.0.0.1"]
    source = logged(viewer, "http://blocked.example/1")
    later = timezone.now() + timedelta(hours=1)
    Snapshot.objects.filter(source=source).update(retry_at=later)

    assert capture("--all-pending") == "No pending captures.\n"
    capture("--source", str(source.pk))

    assert source.snapshots.get().status == "blocked"


def test_nothing_pending_says_so(db):
    assert capture("--all-pending") == "No pending captures.\n"


def test_an_unknown_source_is_an_error(viewer):
    with pytest.raises(CommandError, match="No source #999999"):
        capture("--source", "999999")


@pytest.mark.parametrize(
    "args",
    [(), ("--source", "1", "--all-pending"), ("--all-pending", "--limit", "0")],
    ids=["neither", "both", "limit_zero"],
)
def test_the_command_needs_one_selection_and_a_positive_limit(db, args):
    with pytest.raises(CommandError):
        capture(*args)


def test_many_captures_show_a_progress_bar_on_a_terminal_only(viewer, dns):
    dns["blocked.example"] = ["127.0.0.1"]
    for n in range(22):
        logged(viewer, f"http://blocked.example/{n}")
    terminal, log = Terminal(), io.StringIO()

    output = capture("--all-pending", "--limit", "11", stderr=terminal)
    logged_output = capture("--all-pending", stderr=log)

    assert "11/11" in terminal.getvalue()
    assert output.count("  blocked  ") == logged_output.count("  blocked  ") == 11
    assert log.getvalue() == ""
