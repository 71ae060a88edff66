"""``__in_ids``: the same rows as ``__in``, as one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from sources.models import Source
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_in_ids_finds_what_in_finds():
    sources = SourceFactory.create_batch(4)
    wanted = {sources[0].pk, sources[2].pk, 10**12}

    found = set(Source.objects.filter(pk__in_ids=wanted).values_list("pk", flat=True))

    assert found == set(Source.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == {sources[0].pk, sources[2].pk}


def test_in_ids_of_nothing_matches_nothing():
    SourceFactory()

    assert not Source.objects.filter(pk__in_ids=[]).exists()


def test_in_ids_is_one_parameter_on_postgresql():
    sql, params = Source.objects.filter(pk__in_ids=range(1, 300)).query.sql_with_params()

    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and len(params) == 1
    else:
        assert len(params) == 299
