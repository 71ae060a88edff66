"""Link health over the API: each source's ``link_health``, its link-check history, a re-check on
demand (against real pages on loopback), and the sources list's ``link_status`` filter; sensitive
sources stay hidden. The claims list's ``evidence_link`` filter is in test_claim_filters.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from sources.archiving.services import snapshot_capture
from sources.models import LinkCheck, Snapshot, Source
from sources.services import source_create
from tests import netlab
from tests.api.helpers import api, assert_error, ids
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory, assign
from tests.netlab import LabServer

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/sources/"
NEVER_CHECKED = {"status": "", "checked_at": None, "next_check_at": None}
CHECKED_AT = datetime(2025, 4, 10, 9, 30, tzinfo=UTC)
NEXT_CHECK_AT = datetime(2025, 4, 11, 9, 30, tzinfo=UTC)


def checks_url(source: Source) -> str:
    return f"{SOURCES}{source.pk}/link-checks/"


def checked(source: Source, status: str = Source.LinkStatus.GONE) -> Source:
    Source.objects.filter(pk=source.pk).update(
        link_status=status, link_checked_at=CHECKED_AT, link_next_check_at=NEXT_CHECK_AT
    )
    source.refresh_from_db()
    return source


def link_check(source: Source, status: str, *, at: datetime, **fields) -> LinkCheck:
    # checked_at is auto_now_add, and the rows are append-only: set the clock, not the row.
    with mock.patch("django.utils.timezone.now", return_value=at):
        return LinkCheck.objects.create(source=source, url=source.url, status=status, **fields)


def on_their_claim(source: Source, fact_checker: User, editor: User) -> Source:
    """``source`` made visible to ``fact_checker``: an editor assigned them to a claim on it."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=source, added_by=editor)
    assign(claim, editor, fact_checker)
    return source


def test_link_checks_of_a_sensitive_source_are_404_for_whoever_added_evidence_on_it(
    fact_checker, hidden
):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=hidden, added_by=fact_checker)
    link_check(hidden, "gone", at=CHECKED_AT)

    assert_error(api(fact_checker).get(checks_url(hidden)), 404)


# --- link_health on the source -----------------------------------------------------------------


def test_a_source_never_checked_shows_an_empty_link_health(viewer):
    source = SourceFactory()

    assert api(viewer).get(f"{SOURCES}{source.pk}/").json()["link_health"] == NEVER_CHECKED


def test_source_detail_shows_the_link_health_of_the_last_check(viewer):
    source = checked(SourceFactory(), Source.LinkStatus.GONE)

    assert api(viewer).get(f"{SOURCES}{source.pk}/").json()["link_health"] == {
        "status": "gone",
        "checked_at": "2025-04-10T09:30:00Z",
        "next_check_at": "2025-04-11T09:30:00Z",
    }


def test_source_list_shows_each_sources_link_health(viewer):
    changed = checked(SourceFactory(), Source.LinkStatus.CHANGED)
    unchecked = SourceFactory()

    rows = {row["id"]: row for row in api(viewer).get(SOURCES).json()["results"]}

    assert rows[changed.pk]["link_health"]["status"] == "changed"
    assert rows[unchecked.pk]["link_health"] == NEVER_CHECKED


# --- GET /sources/{id}/link-checks/ ------------------------------------------------------------


def test_link_checks_are_listed_newest_first_with_what_each_found(viewer):
    source = SourceFactory()
    snapshot = Snapshot.objects.create(source=source, url=source.url)
    older = link_check(source, "alive", at=CHECKED_AT, http_status=200, final_url=source.url)
    newer = link_check(
        source,
        "changed",
        at=CHECKED_AT + timedelta(days=1),
        http_status=200,
        final_url=source.url,
        message="The page's text differs from the last snapshot; archived again.",
        snapshot=snapshot,
    )
    link_check(SourceFactory(), "gone", at=CHECKED_AT)  # another source's

    body = api(viewer).get(checks_url(source)).json()

    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0] == {
        "id": newer.pk,
        "source": source.pk,
        "url": source.url,
        "status": "changed",
        "http_status": 200,
        "final_url": source.url,
        "error_code": "",
        "message": "The page's text differs from the last snapshot; archived again.",
        "snapshot": snapshot.pk,
        "checked_at": "2025-04-11T09:30:00Z",
    }


def test_a_gone_check_shows_its_reason(viewer):
    source = SourceFactory()
    link_check(
        source,
        "gone",
        at=CHECKED_AT,
        http_status=404,
        error_code="http_404",
        message="The site answers 404 Not Found.",
    )

    row = api(viewer).get(checks_url(source)).json()["results"][0]

    assert (row["status"], row["error_code"], row["snapshot"]) == ("gone", "http_404", None)


def test_link_checks_are_paginated(viewer):
    source = SourceFactory()
    for day in range(3):
        link_check(source, "alive", at=CHECKED_AT + timedelta(days=day))

    body = api(viewer).get(checks_url(source), {"page_size": 2}).json()

    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


def test_link_checks_of_a_source_never_checked_are_an_empty_list(viewer):
    assert api(viewer).get(checks_url(SourceFactory())).json()["count"] == 0


def test_link_checks_are_401_for_the_anonymous():
    assert_error(api().get(checks_url(SourceFactory())), 401)


def test_link_checks_are_403_without_a_newsroom_role(outsider):
    assert_error(api(outsider).get(checks_url(SourceFactory())), 403)


def test_link_checks_of_an_unknown_source_are_404(viewer):
    assert_error(api(viewer).get(f"{SOURCES}999999/link-checks/"), 404)


def test_link_checks_of_a_hidden_source_are_404_for_a_viewer(viewer, hidden):
    link_check(hidden, "gone", at=CHECKED_AT)

    assert_error(api(viewer).get(checks_url(hidden)), 404)


def test_link_checks_of_a_hidden_source_are_404_for_a_fact_checker_off_its_claims(
    fact_checker, hidden
):
    assert_error(api(fact_checker).get(checks_url(hidden)), 404)


def test_link_checks_of_a_sensitive_source_are_shown_to_the_claims_fact_checker(
    fact_checker, editor, hidden
):
    check = link_check(on_their_claim(hidden, fact_checker, editor), "gone", at=CHECKED_AT)

    assert ids(api(fact_checker).get(checks_url(hidden))) == {check.pk}


def test_link_checks_of_a_sensitive_source_are_shown_to_an_editor(other_editor, hidden):
    check = link_check(hidden, "gone", at=CHECKED_AT)

    assert ids(api(other_editor).get(checks_url(hidden))) == {check.pk}


# --- POST /sources/{id}/link-checks/: refusals -------------------------------------------------


def test_viewer_may_not_recheck_a_link_and_nothing_is_written(viewer):
    source = SourceFactory()

    assert_error(api(viewer).post(checks_url(source), {}, format="json"), 403)
    source.refresh_from_db()
    assert (LinkCheck.objects.count(), source.link_status) == (0, "")


def test_recheck_by_the_anonymous_is_401(db):
    assert_error(api().post(checks_url(SourceFactory()), {}, format="json"), 401)


def test_recheck_of_a_source_without_a_url_is_400_on_url(fact_checker):
    source = SourceFactory(url="", canonical_url=None, kind=Source.Kind.CORRESPONDENCE)

    assert_error(api(fact_checker).post(checks_url(source), {}, format="json"), 400, "url")
    assert not LinkCheck.objects.exists()


def test_recheck_of_a_hidden_source_is_404_and_writes_nothing(fact_checker, hidden):
    assert_error(api(fact_checker).post(checks_url(hidden), {}, format="json"), 404)
    assert not LinkCheck.objects.exists()


def test_recheck_of_an_unknown_source_is_404(fact_checker):
    assert_error(api(fact_checker).post(f"{SOURCES}999999/link-checks/", {}, format="json"), 404)


def test_recheck_body_must_be_an_object(fact_checker):
    response = api(fact_checker).post(checks_url(SourceFactory()), [], format="json")

    assert_error(response, 400, "non_field_errors")
    assert not LinkCheck.objects.exists()


# --- POST /sources/{id}/link-checks/: real pages on loopback -----------------------------------


def page(text: str) -> bytes:
    return (
        f"<html><head><title>Volunteers reported killed</title></head><body><article>"
        f"<h1>Volunteers reported killed</h1><p>{text}</p>"
        "<p>The channel gave no names, only call signs, and no other source confirms it.</p>"
        "</article></body></html>"
    ).encode()


FIRST = "A channel says two foreign volunteers died near the front line this week. " * 4
EDITED = "A channel now says three foreign volunteers died, revising its earlier post. " * 4


@pytest.fixture
def lab(fetch_allowed, dns) -> Iterator[LabServer]:
    dns["news.example"] = ["127.0.0.1"]
    with LabServer() as server:
        yield server


def lab_source(actor: User, lab: LabServer, path: str, handler: netlab.Handler) -> Source:
    lab.route(path, handler)
    return source_create(actor=actor, kind="article", url=f"http://news.example:{lab.port}{path}")


def test_recheck_finds_the_page_alive_then_gone_when_it_answers_404(fact_checker, lab):
    source = lab_source(
        fact_checker, lab, "/a", netlab.sequence(netlab.html(page(FIRST)), netlab.status(404))
    )
    client = api(fact_checker)
    before = timezone.now()

    alive = client.post(checks_url(source), {}, format="json")
    gone = client.post(checks_url(source), {}, format="json")

    assert alive.status_code == gone.status_code == 201, (alive.content, gone.content)
    assert (alive.json()["status"], alive.json()["http_status"]) == ("alive", 200)
    assert gone.json()["status"] == "gone"
    assert (gone.json()["http_status"], gone.json()["error_code"]) == (404, "http_404")
    assert lab.hits == 2
    health = client.get(f"{SOURCES}{source.pk}/").json()["link_health"]
    assert health["status"] == "gone"
    assert datetime.fromisoformat(health["checked_at"]) >= before
    assert datetime.fromisoformat(health["next_check_at"]) > timezone.now()
    history = client.get(checks_url(source)).json()["results"]
    assert [row["id"] for row in history] == [gone.json()["id"], alive.json()["id"]]


def test_recheck_of_a_changed_page_names_the_new_snapshot(editor, lab):
    source = lab_source(
        editor, lab, "/b", netlab.sequence(netlab.html(page(FIRST)), netlab.html(page(EDITED)))
    )
    first = snapshot_capture(snapshot_id=source.snapshots.get().pk)
    assert first.status == Snapshot.Status.ARCHIVED

    response = api(editor).post(checks_url(source), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "changed"
    new = Snapshot.objects.get(pk=body["snapshot"])
    assert new.pk != first.pk and "three foreign volunteers" in new.text


def test_recheck_of_an_unreachable_page_is_recorded_as_error(fact_checker):
    # No test DNS answer for this name: the fetch fails without leaving the machine.
    source = SourceFactory(url="https://nowhere.example/story")

    response = api(fact_checker).post(checks_url(source), {}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["http_status"]) == ("error", None)


def test_the_claims_fact_checker_rechecks_a_sensitive_source(fact_checker, editor, hidden):
    response = api(fact_checker).post(
        checks_url(on_their_claim(hidden, fact_checker, editor)), {}, format="json"
    )

    assert response.status_code == 201, response.content
    assert LinkCheck.objects.get().source_id == hidden.pk


# --- GET /sources/?link_status= ----------------------------------------------------------------


@pytest.fixture
def by_status(db) -> dict[str, Source]:
    sources = {status: checked(SourceFactory(), status) for status in Source.LinkStatus.values}
    sources["unchecked"] = SourceFactory()
    return sources


def _pks(sources: dict[str, Source], *keys: str) -> set[int]:
    return {sources[key].pk for key in keys}


@pytest.mark.parametrize("status", Source.LinkStatus.values)
def test_source_filter_link_status(viewer, by_status, status):
    assert ids(api(viewer).get(SOURCES, {"link_status": status})) == _pks(by_status, status)


def test_source_filter_link_status_comma_separated(viewer, by_status):
    response = api(viewer).get(SOURCES, {"link_status": "gone,changed"})

    assert ids(response) == _pks(by_status, "gone", "changed")


def test_source_filter_link_status_repeated(viewer, by_status):
    response = api(viewer).get(SOURCES, [("link_status", "gone"), ("link_status", "error")])

    assert ids(response) == _pks(by_status, "gone", "error")


def test_source_filter_link_status_never_reveals_a_hidden_source(viewer, by_status, hidden):
    checked(hidden, Source.LinkStatus.GONE)

    assert ids(api(viewer).get(SOURCES, {"link_status": "gone"})) == _pks(by_status, "gone")


@pytest.mark.parametrize("value", ["bogus", "gone,bogus", "GONE"])
def test_source_filter_link_status_unknown_value_is_400_naming_it(viewer, value):
    assert_error(api(viewer).get(SOURCES, {"link_status": value}), 400, "link_status")
