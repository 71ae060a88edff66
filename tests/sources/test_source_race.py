"""People logging the same page at once, in different spellings: one source, and every other
writer is told `duplicate` on `url` naming it (400), never a 500 or a message naming a database
constraint. Each writer is held after its "already recorded?" check, so all of them insert. The
control takes the re-check of the lost race away and shows the race then ends in an
IntegrityError, so the main test would fail if the protection went."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

import sources.services
from sources.models import Source
from tests.races import TIMEOUT, at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SPELLINGS = [
    "https://news.example/report",
    "http://www.news.example/report?utm_source=feed",
    "HTTPS://NEWS.EXAMPLE/report#top",
]


def _past_the_check_together(monkeypatch, writers: int) -> None:
    at_insert = threading.Barrier(writers, timeout=TIMEOUT)
    full_clean = Source.full_clean

    def clean_then_wait(self: Source, *args: Any, **kwargs: Any) -> None:
        full_clean(self, *args, **kwargs)
        at_insert.wait()

    monkeypatch.setattr(Source, "full_clean", clean_then_wait)


def _post(user, url: str):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/v1/sources/", {"kind": "article", "url": url}, format="json")

    return call


def test_the_same_page_logged_at_once_is_one_source_and_duplicates(
    monkeypatch, viewer, fact_checker, editor
):
    users = [viewer, fact_checker, editor]
    _past_the_check_together(monkeypatch, len(users))

    responses = at_once([_post(u, url) for u, url in zip(users, SPELLINGS, strict=True)])

    assert sorted(r.status_code for r in responses) == [201, 400, 400], [
        r.content for r in responses
    ]
    source = Source.objects.get()
    for refused in (r.json() for r in responses if r.status_code == 400):
        (error,) = refused["fields"]["url"]
        assert error["code"] == "duplicate"
        assert f"#{source.pk}" in error["message"] and "constraint" not in error["message"]


def test_control_without_the_recheck_the_race_is_an_integrity_error(
    monkeypatch, viewer, fact_checker
):
    _past_the_check_together(monkeypatch, 2)
    monkeypatch.setattr(sources.services, "_check_not_duplicate", lambda *a, **k: None)

    def create(user, url):
        return lambda: sources.services.source_create(actor=user, kind="article", url=url)

    outcomes = at_once([create(viewer, SPELLINGS[0]), create(fact_checker, SPELLINGS[1])])

    assert sum(isinstance(o, Source) for o in outcomes) == 1
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1
