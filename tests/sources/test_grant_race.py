"""Two editors granting one colleague the same sensitive source at once: one grant, and the other
editor is told it is a duplicate (400), never a 500. The source row lock orders them; the control
shows that without it both pass the "already granted?" check."""

from __future__ import annotations

import threading

import pytest
from rest_framework.test import APIClient

from sources.models import Source, SourceGrant
from tests.factories import SourceFactory
from tests.races import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _grant(editor, source, grantee):
    def call():
        client = APIClient()
        client.force_authenticate(editor)
        return client.post(
            f"/api/v1/sources/{source.pk}/grants/",
            {"grantee": grantee.pk, "reason": "Checks the informant's letter."},
            format="json",
        )

    return call


def test_the_same_grant_made_at_once_is_one_row_and_a_duplicate(editor, other_editor, fact_checker):
    source = SourceFactory(is_sensitive=True)

    responses = at_once(
        [_grant(e, source, fact_checker) for e in (editor, other_editor)], start_together=True
    )

    assert sorted(r.status_code for r in responses) == [201, 400], [r.content for r in responses]
    refused = next(r for r in responses if r.status_code == 400).json()
    assert refused["fields"]["grantee"][0]["code"] == "duplicate"
    assert SourceGrant.objects.filter(source=source, grantee=fact_checker).count() == 1


def test_control_without_the_row_lock_both_pass_the_check(
    monkeypatch, editor, other_editor, fact_checker
):
    source = SourceFactory(is_sensitive=True)
    past_check = threading.Barrier(2, timeout=20)
    real_exists = type(SourceGrant.objects.all()).exists

    def exists_then_wait(self, *args, **kwargs):
        found = real_exists(self, *args, **kwargs)
        if self.model is SourceGrant:
            past_check.wait()
        return found

    # No lock: each writer reads the source plainly, then both check before either inserts.
    monkeypatch.setattr(type(Source.objects.all()), "select_for_update", lambda self, **k: self)
    monkeypatch.setattr(type(SourceGrant.objects.all()), "exists", exists_then_wait)

    responses = at_once(
        [_grant(e, source, fact_checker) for e in (editor, other_editor)], start_together=True
    )

    # Both saw no grant; the database's unique constraint still lets only one in, and the
    # loser's IntegrityError is answered as the same duplicate.
    assert sorted(r.status_code for r in responses) == [201, 400], [r.content for r in responses]
    assert SourceGrant.objects.filter(source=source, grantee=fact_checker).count() == 1
