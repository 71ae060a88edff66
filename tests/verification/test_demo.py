from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim
from config.roles import Role, user_role
from demo.newsroom import MERCENARIES, OUTLETS, demo_claim, demo_load
from sources.models import Citation, Source
from sources.selectors import sources_visible_to
from tests.factories import ClaimFactory
from verification.models import Evidence, Publication
from verification.provenance import claim_provenance


@pytest.fixture
def demo(db):
    return demo_load()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_demo_loads_outlets_sources_and_claims(demo):
    assert demo.created
    assert demo.counts["outlets"] == len(OUTLETS)
    assert demo.counts["claims"] >= 10
    assert "Loaded demo newsroom" in demo.summary


def test_loading_the_demo_twice_changes_nothing(demo):
    before = _row_counts()
    versions = dict(Claim.objects.values_list("pk", "version"))
    again = demo_load()
    out = StringIO()
    call_command("loaddemo", stdout=out)
    assert not again.created
    assert "already loaded" in out.getvalue()
    assert _row_counts() == before
    assert dict(Claim.objects.values_list("pk", "version")) == versions


def test_loaddemo_command_prints_the_sign_ins(db):
    out = StringIO()
    call_command("loaddemo", stdout=out)
    text = out.getvalue()
    assert "Loaded demo newsroom" in text
    assert "http://127.0.0.1:8000/admin/" in text
    assert "claimtrail-demo" in text
    assert _user("checker").check_password("claimtrail-demo")


def test_demo_password_comes_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("CLAIMTRAIL_DEMO_PASSWORD", "another-secret")
    demo_load()
    assert _user("editor").check_password("another-secret")


def test_demo_users_have_their_roles_and_may_sign_in_to_the_admin(demo):
    assert user_role(_user("viewer")) == Role.VIEWER
    assert user_role(_user("checker")) == Role.FACT_CHECKER
    assert user_role(_user("editor")) == Role.EDITOR
    assert _user("admin").is_superuser
    assert all(_user(name).is_staff for name in ("viewer", "checker", "editor", "admin"))


def test_mercenaries_claim_has_one_independent_asserts_origin_the_telegram_post(demo):
    claim = demo_claim(MERCENARIES)
    asserts = claim_provenance(claim=claim, user=_user("checker")).stance("asserts")
    assert asserts.evidence_count >= 2
    assert asserts.independent_origins == 1
    [origin_id] = asserts.voices[0].origin_ids
    origin = Source.objects.get(pk=origin_id)
    assert origin.canonical_url.startswith("https://t.me/zovnovoshakhtinsk/")
    assert origin.sourcing == Source.Sourcing.ORIGINAL


def test_mercenaries_chain_runs_newsweek_to_x_to_telegram(demo):
    chain = Citation.objects.filter(
        citing__outlet__name="Newsweek",
        cited__outlet__handles__platform="x",
        cited__citations_made__cited__outlet__handles__platform="telegram",
    )
    assert chain.exists()


def test_checker_can_find_the_mercenaries_claim_and_change_its_status(demo):
    from verification.services import claim_status_change

    claim = Claim.objects.get(text__icontains="mercenaries", kind=Claim.Kind.FACT)
    change = claim_status_change(
        claim=claim,
        actor=_user("checker"),
        to_status=Claim.Status.UNVERIFIABLE,
        rationale="Single anonymous origin, not independently verified.",
        expected_version=claim.version,
    )
    assert change.from_status == Claim.Status.IN_REVIEW


def test_demo_has_evidence_of_every_stance(demo):
    stances = set(Evidence.objects.values_list("stance", flat=True))
    assert stances == set(Evidence.Stance.values)
    assert Evidence.objects.filter(stance=Evidence.Stance.CONTRADICTS).exists()


def test_a_published_verdict_was_published_by_someone_other_than_who_set_it(demo):
    publications = Publication.objects.filter(action=Publication.Action.PUBLISH)
    assert publications.exists()
    for publication in publications.select_related("status_change"):
        assert publication.actor_id != publication.status_change.actor_id


def test_sensitive_correspondence_is_hidden_from_the_demo_viewer(demo):
    correspondence = Source.objects.get(kind=Source.Kind.CORRESPONDENCE)
    assert correspondence.is_sensitive
    assert correspondence.url == ""
    assert not sources_visible_to(user=_user("viewer")).filter(pk=correspondence.pk).exists()
    assert sources_visible_to(user=_user("editor")).filter(pk=correspondence.pk).exists()


def test_provenance_command_prints_the_one_origin(demo):
    claim = demo_claim(MERCENARIES)
    out = StringIO()
    call_command("provenance", str(claim.pk), "--as", "checker", stdout=out)
    text = out.getvalue()
    assert "asserts: 1 independent origin " in text
    assert "ZOVNovoshakhtinsk on Telegram" in text
    assert "ORIGIN" in text


def test_provenance_command_without_as_uses_the_demo_editor_and_says_so(demo):
    out = StringIO()
    call_command("provenance", str(demo_claim(MERCENARIES).pk), stdout=out)
    assert "demo editor 'editor'" in out.getvalue()


def test_provenance_command_without_as_and_without_demo_refuses(db):
    claim = ClaimFactory()
    with pytest.raises(CommandError, match="--as"):
        call_command("provenance", str(claim.pk), stdout=StringIO())
