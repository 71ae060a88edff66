"""The Snapshot admin and the snapshots on a Source's page: read-only, hidden with their source,
links to the API's safe views; the "capture again" and "run pending captures now" actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sources.models import Snapshot, Source
from sources.services import source_create
from tests.api.test_snapshots import (
    LocalSite,
    archived_snapshot,
    pending_snapshot,
    site_fixture,  # noqa: F401 (fixture "site")
    uploaded_snapshot,
)
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def url(model: Any, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def rows(response: Any) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def act(client: Any, model: Any, action: str, selected: list[Any]) -> Any:
    data = {
        "action": action,
        "index": 0,
        helpers.ACTION_CHECKBOX_NAME: [str(row.pk) for row in selected],
    }
    return client.post(url(model), data, follow=True)


@pytest.fixture
def source(editor) -> Source:
    return SourceFactory(created_by=editor, title="Open report", url="https://news.example/a")


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_snapshot_pages_render_for_every_role(client, users_by_role, source, editor, role):
    archived = archived_snapshot(source)
    upload = uploaded_snapshot(source, editor)
    client.force_login(users_by_role[role])

    assert set(rows(client.get(url(Snapshot)))) == {archived, upload}
    for snapshot in (archived, upload):
        assert client.get(url(Snapshot, "change", snapshot.pk)).status_code == 200
    assert client.get(url(Source, "change", source.pk)).status_code == 200


def test_snapshot_page_links_to_the_apis_warc_and_text_views(client, viewer, source):
    snapshot = archived_snapshot(source)
    client.force_login(viewer)

    page = client.get(url(Snapshot, "change", snapshot.pk)).content.decode()

    assert f'href="/api/v1/snapshots/{snapshot.pk}/warc/"' in page
    assert f'href="/api/v1/snapshots/{snapshot.pk}/text/"' in page
    assert "/file/" not in page
    assert "&lt;script&gt;" in page  # the captured text, escaped: never markup of ours
    assert "<script>alert(document.cookie)" not in page


def test_source_page_lists_its_snapshots_with_their_links(client, viewer, source, editor):
    archived = archived_snapshot(source)
    upload = uploaded_snapshot(source, editor)
    client.force_login(viewer)

    page = client.get(url(Source, "change", source.pk)).content.decode()

    assert f'href="/api/v1/snapshots/{archived.pk}/warc/"' in page
    assert f'href="/api/v1/snapshots/{upload.pk}/file/"' in page
    assert url(Snapshot, "change", archived.pk) in page


def test_the_links_lead_to_the_files_for_a_signed_in_admin_user(client, viewer, source):
    snapshot = archived_snapshot(source)
    client.force_login(viewer)

    response = client.get(f"/api/v1/snapshots/{snapshot.pk}/warc/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_snapshots_are_never_added_changed_or_deleted_here(client, editor, source):
    snapshot = archived_snapshot(source)
    client.force_login(editor)

    assert client.get(url(Snapshot, "add")).status_code == 403
    assert client.post(url(Snapshot, "change", snapshot.pk), {"title": "Edited"}).status_code == 403
    assert client.post(url(Snapshot, "delete", snapshot.pk), {"post": "yes"}).status_code == 403
    response = act(client, Snapshot, "delete_selected", [snapshot])
    assert Snapshot.objects.get(pk=snapshot.pk).title == "Two fighters killed, channel says"
    assert response.status_code == 200


def test_a_viewer_sees_no_snapshot_of_a_hidden_source(client, viewer, source, hidden):
    visible, secret = archived_snapshot(source), archived_snapshot(hidden)
    client.force_login(viewer)

    assert rows(client.get(url(Snapshot))) == [visible]
    response = client.get(url(Snapshot, "change", secret.pk), follow=True)
    assert response.redirect_chain[0][0] == reverse("admin:index")
    assert b"informant.example" not in response.content


def test_snapshots_are_found_by_source_url_and_sha256_and_filtered_by_status(
    client, editor, source
):
    archived = archived_snapshot(source)
    other = pending_snapshot(SourceFactory(url="https://elsewhere.example/b"))
    client.force_login(editor)

    assert rows(client.get(url(Snapshot), {"q": "news.example"})) == [archived]
    assert rows(client.get(url(Snapshot), {"q": archived.sha256})) == [archived]
    assert rows(client.get(url(Snapshot), {"status__exact": "pending"})) == [other]
    assert rows(client.get(url(Snapshot), {"form__exact": "page"})) == [other, archived]


def test_snapshot_changelist_queries_do_not_grow_with_rows(client, editor):
    client.force_login(editor)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(Snapshot)).status_code == 200
        return len(queries)

    archived_snapshot(SourceFactory())
    few = page_queries()
    for _ in range(5):
        archived_snapshot(SourceFactory())
    assert page_queries() == few


# --- Actions -------------------------------------------------------------------------------------


def test_capture_again_asks_for_a_capture_of_each_source_with_a_url(client, fact_checker, source):
    letter = SourceFactory(url="", canonical_url=None, kind=Source.Kind.CORRESPONDENCE)
    client.force_login(fact_checker)

    response = act(client, Source, "capture_again", [source, letter])

    snapshot = Snapshot.objects.get()
    assert (snapshot.source, snapshot.status, snapshot.created_by) == (
        source,
        "pending",
        fact_checker,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("1 capture(s) pending" in m for m in shown)
    assert any("1 source(s) without a URL" in m for m in shown)


def test_capture_again_twice_leaves_one_capture_waiting(client, fact_checker, source):
    client.force_login(fact_checker)
    act(client, Source, "capture_again", [source])
    act(client, Source, "capture_again", [source])
    assert Snapshot.objects.count() == 1


@pytest.mark.parametrize(
    ("model", "action"), [(Source, "capture_again"), (Snapshot, "run_pending_captures")]
)
def test_a_viewer_is_not_offered_the_capture_actions(client, viewer, source, model, action):
    pending = pending_snapshot(source)
    client.force_login(viewer)

    page = client.get(url(model))
    act(client, model, action, [source if model is Source else pending])

    form = page.context["action_form"]
    assert form is None or action not in dict(form.fields["action"].choices)
    assert list(Snapshot.objects.values_list("status", flat=True)) == ["pending"]


def test_run_pending_captures_archives_a_local_page(
    client, fact_checker, viewer, site: LocalSite, fetch_allowed
):
    page = source_create(actor=viewer, kind="article", url=site.url("/article"))
    waiting = page.snapshots.get()
    done = archived_snapshot(source_create(actor=viewer, kind="article", url=site.url("/x")))
    client.force_login(fact_checker)

    response = act(client, Snapshot, "run_pending_captures", [waiting, done])

    waiting.refresh_from_db()
    assert waiting.status == "archived"
    assert waiting.warc
    assert site.hits["/article"] == 1
    assert "Captures run: 1 archived." in [str(m) for m in response.context["messages"]]


def test_run_pending_captures_with_nothing_pending_says_so(client, fact_checker, source):
    archived = archived_snapshot(source)
    client.force_login(fact_checker)

    response = act(client, Snapshot, "run_pending_captures", [archived])

    assert "None of the selected snapshots is pending." in [
        str(m) for m in response.context["messages"]
    ]
