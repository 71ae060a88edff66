"""Two people recording the same citation at once: one row, and the other is told it is a
duplicate (400), never a 500. The control takes the savepoint and its catch away and shows the
race then ends in an IntegrityError, so the main test would fail if the protection went."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

import sources.services
from sources.models import Citation
from tests.factories import SourceFactory
from tests.races import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BARRIER_TIMEOUT = 20


def _past_the_check_together(monkeypatch, writers: int) -> None:
    """Hold each writer after its "already recorded?" check and before its insert, so every one
    of them has seen no citation yet when they insert."""
    at_insert = threading.Barrier(writers, timeout=BARRIER_TIMEOUT)
    full_clean = Citation.full_clean

    def clean_then_wait(self: Citation, *args: Any, **kwargs: Any) -> None:
        full_clean(self, *args, **kwargs)
        at_insert.wait()

    monkeypatch.setattr(Citation, "full_clean", clean_then_wait)


def _post_citation(user, citing, cited):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(
            "/api/v1/citations/",
            {"citing": citing.pk, "cited": cited.pk, "kind": "cites"},
            format="json",
        )

    return call


@pytest.mark.parametrize("writers", [2, 3])
def test_the_same_citation_recorded_at_once_is_one_row_and_duplicates(
    monkeypatch, fact_checker, other_fact_checker, editor, writers
):
    citing, cited = SourceFactory(), SourceFactory()
    users = [fact_checker, other_fact_checker, editor][:writers]
    _past_the_check_together(monkeypatch, writers)

    responses = at_once([_post_citation(user, citing, cited) for user in users])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * (writers - 1), [r.content for r in responses]
    for response in responses:
        if response.status_code == 400:
            assert response.json()["fields"]["cited"][0]["code"] == "duplicate"
    assert Citation.objects.filter(citing=citing, cited=cited).count() == 1


def test_control_without_the_savepoint_the_race_is_an_integrity_error(
    monkeypatch, fact_checker, other_fact_checker
):
    citing, cited = SourceFactory(), SourceFactory()
    _past_the_check_together(monkeypatch, 2)
    monkeypatch.setattr(
        sources.services, "_citation_insert", lambda citation, *, twin: citation.save()
    )

    def create(user):
        return lambda: sources.services.citation_create(actor=user, citing=citing, cited=cited)

    outcomes = at_once([create(fact_checker), create(other_fact_checker)])

    assert sum(isinstance(o, Citation) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1, outcomes
