"""Logging a claim with its claimant and first source in one go: ``claim_log``."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Claim, Claimant
from sources.models import Source
from tests.factories import SourceFactory
from verification.models import Evidence
from verification.services import claim_log

pytestmark = pytest.mark.django_db


def test_claim_log_writes_the_claim_a_new_claimant_its_first_source_and_evidence(fact_checker):
    claim, new_source = claim_log(
        actor=fact_checker,
        text="At least 155 are fighting.",
        new_claimant="The president",
        source_url="https://www.example.org/report?utm_source=x",
        stance=Evidence.Stance.ASSERTS,
    )

    assert claim.claimant == Claimant.objects.get(name="The president")
    assert new_source == Source.objects.get(canonical_url="https://example.org/report")
    assert list(Evidence.objects.filter(claim=claim).values_list("source", "stance")) == [
        (new_source.pk, "asserts")
    ]


def test_claim_log_reuses_a_recorded_source_and_says_it_is_not_new(fact_checker):
    recorded = SourceFactory(url="https://example.org/a")

    claim, new_source = claim_log(
        actor=fact_checker, text="Two were killed.", source_url="https://EXAMPLE.org/a#top"
    )

    assert new_source is None
    assert Evidence.objects.get(claim=claim).source == recorded


def test_claim_log_errors_are_named_after_its_arguments_and_leave_nothing(fact_checker):
    with pytest.raises(ValidationError) as exc:
        claim_log(actor=fact_checker, text="A claim.", source_url="javascript:alert(1)")

    assert "source_url" in exc.value.error_dict
    assert not Claim.objects.exists()


def test_a_first_source_needs_the_fact_checker_role_and_nothing_is_left(viewer):
    with pytest.raises(PermissionDenied):
        claim_log(actor=viewer, text="A claim.", source_url="https://example.org/b")

    assert not Claim.objects.exists()
    assert not Source.objects.exists()
