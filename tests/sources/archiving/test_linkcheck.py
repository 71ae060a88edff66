"""Link health: re-checks of cited URLs against real servers on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sources.archiving.linkcheck import link_checks_schedule, source_link_check
from sources.archiving.services import snapshot_capture
from sources.models import LinkCheck, Snapshot, Source
from sources.services import source_create
from tests import netlab
from tests.netlab import LabServer
from tests.sources.archiving.warc_checks import assert_warc_valid

pytestmark = pytest.mark.django_db


def page(text: str, *, stamp: str = "") -> bytes:
    return (
        "<html><head><title>Two volunteers reported killed</title></head><body>"
        f"<nav>Home · World · Sport</nav><div class='ad'>Advert served {stamp}</div>"
        f"<article><h1>Two volunteers reported killed</h1><p>{text}</p>"
        "<p>The channel gave no names, only call signs, and no other source confirms it.</p>"
        f"</article><footer>Updated {stamp}</footer></body></html>"
    ).encode()


FIRST = "A channel says two foreign volunteers died near the front line this week. " * 4
EDITED = "A channel now says three foreign volunteers died, revising its earlier post. " * 4


def archived_source(actor, lab: LabServer, path: str, handler) -> Source:
    lab.route(path, handler)
    source = source_create(actor=actor, kind="article", url=f"http://news.example:{lab.port}{path}")
    snapshot = snapshot_capture(snapshot_id=source.snapshots.get().pk)
    assert snapshot.status == Snapshot.Status.ARCHIVED
    return source


def test_an_unchanged_page_is_alive_and_takes_no_new_snapshot(viewer, lab):
    source = archived_source(viewer, lab, "/a", netlab.html(page(FIRST)))
    check = source_link_check(source_id=source.pk)
    source.refresh_from_db()
    assert check.status == source.link_status == Source.LinkStatus.ALIVE
    assert check.snapshot is None
    assert source.snapshots.count() == 1
    assert source.link_checked_at is not None
    assert source.link_next_check_at > timezone.now()


def test_rotating_ads_and_timestamps_are_not_a_change(viewer, lab):
    handler = netlab.sequence(
        netlab.html(page(FIRST, stamp="09:00")), netlab.html(page(FIRST, stamp="17:45"))
    )
    source = archived_source(viewer, lab, "/a", handler)
    assert source_link_check(source_id=source.pk).status == Source.LinkStatus.ALIVE


def test_changed_text_takes_a_new_snapshot_and_leaves_the_old_one_untouched(viewer, lab):
    handler = netlab.sequence(netlab.html(page(FIRST)), netlab.html(page(EDITED)))
    source = archived_source(viewer, lab, "/a", handler)
    old = source.snapshots.get()
    old_fields = (old.sha256, old.text, old.warc.name, old.finished_at)
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.CHANGED
    new = check.snapshot
    assert new.status == Snapshot.Status.ARCHIVED and new.pk != old.pk
    assert "three foreign volunteers" in new.text
    assert new.warc.name != old.warc.name
    assert_warc_valid(new.warc.path)
    old.refresh_from_db()
    assert (old.sha256, old.text, old.warc.name, old.finished_at) == old_fields
    # The next check compares with the new snapshot: alive again.
    assert source_link_check(source_id=source.pk).status == Source.LinkStatus.ALIVE


@pytest.mark.parametrize("code", [404, 410])
def test_a_removed_page_is_gone(viewer, lab, code):
    handler = netlab.sequence(netlab.html(page(FIRST)), netlab.status(code))
    source = archived_source(viewer, lab, "/a", handler)
    check = source_link_check(source_id=source.pk)
    source.refresh_from_db()
    assert check.status == source.link_status == Source.LinkStatus.GONE
    assert check.error_code == f"http_{code}" and check.http_status == code
    assert str(code) in check.message


def test_a_redirect_to_the_home_page_is_gone(viewer, lab):
    lab.route("/", netlab.html(page("Front page")))
    handler = netlab.sequence(netlab.html(page(FIRST)), netlab.redirect("/", 301))
    source = archived_source(viewer, lab, "/world/story-1", handler)
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.GONE
    assert check.error_code == "redirect_home"
    assert "home page" in check.message


def test_a_redirect_to_another_article_is_not_gone(viewer, lab):
    lab.route("/world/story-1-updated", netlab.html(page(FIRST)))
    handler = netlab.sequence(
        netlab.html(page(FIRST)), netlab.redirect("/world/story-1-updated", 301)
    )
    source = archived_source(viewer, lab, "/world/story-1", handler)
    assert source_link_check(source_id=source.pk).status == Source.LinkStatus.ALIVE


@pytest.mark.parametrize(
    ("handler", "code"),
    [(netlab.status(500), "http_500"), (netlab.status(503), "http_503")],
)
def test_a_server_error_is_an_error_not_gone(viewer, lab, handler, code):
    source = archived_source(viewer, lab, "/a", netlab.sequence(netlab.html(page(FIRST)), handler))
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.ERROR
    assert check.error_code == code


def test_a_name_that_no_longer_resolves_is_an_error(viewer, lab, dns):
    source = archived_source(viewer, lab, "/a", netlab.html(page(FIRST)))
    del dns["news.example"]
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.ERROR
    assert check.error_code == "dns_not_found"


def test_a_refused_address_is_an_error_with_the_reason(viewer, lab, dns):
    source = archived_source(viewer, lab, "/a", netlab.html(page(FIRST)))
    dns["news.example"] = ["169.254.169.254"]
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.ERROR
    assert check.error_code == "blocked_address"
    assert "link-local" in check.message


def test_a_source_never_archived_gets_its_first_snapshot_from_the_check(viewer, lab):
    lab.route("/a", netlab.html(page(FIRST)))
    source = source_create(actor=viewer, kind="article", url=f"http://news.example:{lab.port}/a")
    source.snapshots.update(status=Snapshot.Status.FAILED, error_code="dns_not_found")
    check = source_link_check(source_id=source.pk)
    assert check.status == Source.LinkStatus.ALIVE
    assert check.snapshot is not None and check.snapshot.status == Snapshot.Status.ARCHIVED


def test_the_history_keeps_every_check(viewer, lab):
    handler = netlab.sequence(
        netlab.html(page(FIRST)), netlab.html(page(FIRST)), netlab.status(404)
    )
    source = archived_source(viewer, lab, "/a", handler)
    source_link_check(source_id=source.pk)
    source_link_check(source_id=source.pk)
    assert list(LinkCheck.objects.filter(source=source).values_list("status", flat=True)) == [
        Source.LinkStatus.GONE,
        Source.LinkStatus.ALIVE,
    ]


def test_a_source_without_url_is_not_checked(viewer):
    source = source_create(actor=viewer, kind="correspondence", title="Letter from the ministry")
    assert source_link_check(source_id=source.pk) is None
    assert not LinkCheck.objects.exists()


# --- Scheduling ----------------------------------------------------------------------------------


def _sources_on(actor, host: str, count: int) -> list[Source]:
    return [
        source_create(actor=actor, kind="article", url=f"https://{host}/story-{index}")
        for index in range(count)
    ]


def test_due_sources_are_enqueued_and_not_again_in_the_next_round(viewer, settings):
    settings.CLAIMTRAIL_LINK_CHECK_PER_HOST = 100
    sources = _sources_on(viewer, "one.example", 3)
    past = timezone.now() - timedelta(minutes=1)
    Source.objects.filter(pk__in=[s.pk for s in sources]).update(link_next_check_at=past)
    assert link_checks_schedule() == 3
    assert link_checks_schedule() == 0
    for source in Source.objects.filter(pk__in=[s.pk for s in sources]):
        assert source.link_next_check_at > timezone.now()


def test_new_sources_wait_one_interval_before_their_first_check(viewer, settings):
    _sources_on(viewer, "one.example", 2)
    assert link_checks_schedule() == 0
    later = timezone.now() + timedelta(seconds=settings.CLAIMTRAIL_LINK_CHECK_INTERVAL + 1)
    assert link_checks_schedule(now=later) == 2


def test_one_round_takes_only_a_few_checks_per_host(viewer, settings):
    settings.CLAIMTRAIL_LINK_CHECK_PER_HOST = 2
    crowded = _sources_on(viewer, "busy.example", 5)
    quiet = _sources_on(viewer, "quiet.example", 1)
    past = timezone.now() - timedelta(minutes=1)
    Source.objects.filter(pk__in=[s.pk for s in crowded + quiet]).update(link_next_check_at=past)
    assert link_checks_schedule() == 3
    still_due = Source.objects.filter(link_next_check_at__lte=timezone.now())
    assert still_due.count() == 3
    assert set(still_due.values_list("canonical_url", flat=True)) <= {
        s.canonical_url for s in crowded
    }


def test_the_next_check_is_spread_around_the_interval(viewer, settings):
    settings.CLAIMTRAIL_LINK_CHECK_PER_HOST = 100
    sources = _sources_on(viewer, "many.example", 30)
    past = timezone.now() - timedelta(minutes=1)
    Source.objects.filter(pk__in=[s.pk for s in sources]).update(link_next_check_at=past)
    link_checks_schedule()
    times = set(
        Source.objects.filter(pk__in=[s.pk for s in sources]).values_list(
            "link_next_check_at", flat=True
        )
    )
    interval = settings.CLAIMTRAIL_LINK_CHECK_INTERVAL
    now = timezone.now()
    assert len(times) > 20
    assert all(now + timedelta(seconds=interval * 0.89) < t for t in times)
    assert all(t < now + timedelta(seconds=interval * 1.11) for t in times)


# --- The command ---------------------------------------------------------------------------------


def test_the_command_checks_the_named_sources_and_summarises(viewer, lab):
    from io import StringIO

    from django.core.management import call_command

    source = archived_source(
        viewer, lab, "/a", netlab.sequence(netlab.html(page(FIRST)), netlab.status(410))
    )
    out = StringIO()
    call_command("linkcheck", "--source", str(source.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"#{source.pk}  gone")
    assert "410" in lines[0]
    assert lines[-1] == "1 checked: 1 gone."


def test_the_command_refuses_an_unknown_source(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="#999999"):
        call_command("linkcheck", "--source", "999999")
