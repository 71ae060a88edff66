"""Sensitive sources: seen by editors, whoever logged them and those an editor granted them to
(on the source, or by assigning them to a claim resting on it); adding evidence grants nothing."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User

from claims.models import Claim
from config.roles import Role
from sources.models import Source, SourceGrant
from sources.selectors import source_is_visible_to, sources_visible_to
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletFactory,
    SourceFactory,
    UserFactory,
    assign,
    grant,
    move,
    next_request,
)
from verification.models import Evidence
from verification.provenance import Provenance, claim_provenance
from verification.selectors import claim_evidence
from verification.services import evidence_add

pytestmark = pytest.mark.django_db

ORIGINAL = Source.Sourcing.ORIGINAL
ASSERTS = Evidence.Stance.ASSERTS


def _user(username: str, role: Role | None, **extra) -> User:
    user = UserFactory(username=username, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.group_name))
    return user


def _source_ids(prov: Provenance) -> set[int]:
    """Every source id anywhere in a provenance result."""
    ids = {node.source_id for node in prov.nodes}
    ids |= {trace.source_id for trace in prov.evidence}
    ids |= {sid for trace in prov.evidence for sid in (*trace.origin_ids, *trace.unknown_ids)}
    ids |= {sid for edge in prov.edges for sid in (edge.citing_id, edge.cited_id)}
    ids |= {sid for s in prov.stances for voice in s.voices for sid in voice.origin_ids}
    groups = (*prov.shared_outlets, *prov.shared_owners, *prov.parties)
    return ids | {sid for group in groups for sid in group.source_ids}


@dataclass
class Newsroom:
    claim: Claim
    public: Source
    sensitive: Source
    users: dict[str, User]


@pytest.fixture
def newsroom(viewer, fact_checker, editor, outsider) -> Newsroom:
    """One claim resting on a public source and a sensitive one (an informant), and a cast:

    the informant was logged by a viewer (``author``) and attached by ``adder`` (a row from the
    old rule); an editor assigned ``assignee`` to the claim and granted ``granted`` the informant;
    ``colleague`` added other evidence on the claim; ``fact_checker`` is not on it.
    """
    users = {
        "viewer": viewer,
        "outsider": outsider,
        "stranger": fact_checker,
        "editor": editor,
        "author": _user("ann_author", Role.VIEWER),
        "adder": _user("adam_adder", Role.FACT_CHECKER),
        "assignee": _user("asha_assignee", Role.FACT_CHECKER),
        "granted": _user("gina_granted", Role.VIEWER),
        "colleague": _user("carl_colleague", Role.FACT_CHECKER),
        "superuser": _user("sam_super", None, is_superuser=True),
        "inactive_editor": _user("ina_inactive", Role.EDITOR, is_active=False),
    }
    claim = ClaimFactory()
    public = SourceFactory(sourcing=ORIGINAL)
    sensitive = SourceFactory(sourcing=ORIGINAL, is_sensitive=True, created_by=users["author"])
    EvidenceFactory(claim=claim, source=public, added_by=users["colleague"])
    EvidenceFactory(claim=claim, source=sensitive, added_by=users["adder"])
    claim = assign(claim, editor, users["assignee"])
    grant(sensitive, users["granted"], by=editor)
    users = {who: next_request(user) for who, user in users.items()}
    return Newsroom(claim=claim, public=public, sensitive=sensitive, users=users)


CAN_SEE = ["editor", "superuser", "assignee", "granted", "author"]
CANNOT_SEE = ["viewer", "stranger", "adder", "colleague"]
NO_ROLE = ["outsider", "inactive_editor"]


@pytest.mark.parametrize("who", CAN_SEE)
def test_sensitive_source_is_visible_to_editors_its_author_and_those_granted(newsroom, who):
    user = newsroom.users[who]

    assert newsroom.sensitive in sources_visible_to(user=user)
    assert source_is_visible_to(source=newsroom.sensitive, user=user)
    assert {ev.source for ev in claim_evidence(claim=newsroom.claim, user=user)} == {
        newsroom.public,
        newsroom.sensitive,
    }


@pytest.mark.parametrize("who", CANNOT_SEE)
def test_sensitive_source_is_hidden_from_everyone_else_evidence_adders_too(newsroom, who):
    user = newsroom.users[who]

    assert newsroom.sensitive not in sources_visible_to(user=user)
    assert newsroom.public in sources_visible_to(user=user)
    assert not source_is_visible_to(source=newsroom.sensitive, user=user)
    assert [ev.source for ev in claim_evidence(claim=newsroom.claim, user=user)] == [
        newsroom.public
    ]


@pytest.mark.parametrize("who", NO_ROLE)
def test_users_without_a_role_see_no_source_at_all(newsroom, who):
    user = newsroom.users[who]

    assert not sources_visible_to(user=user).exists()
    assert not source_is_visible_to(source=newsroom.public, user=user)
    assert not claim_evidence(claim=newsroom.claim, user=user).exists()


def test_anonymous_callers_see_no_source_at_all(newsroom):
    assert not sources_visible_to(user=None).exists()
    assert not claim_evidence(claim=newsroom.claim, user=None).exists()


@pytest.mark.parametrize("who", CANNOT_SEE)
def test_provenance_counts_for_those_who_cannot_see_leave_the_sensitive_source_out(newsroom, who):
    prov = claim_provenance(claim=newsroom.claim, user=newsroom.users[who])

    asserts = prov.stance(ASSERTS)
    assert (asserts.evidence_count, asserts.independent_origins) == (1, 1)
    assert newsroom.sensitive.pk not in _source_ids(prov)


@pytest.mark.parametrize("who", ["editor", "assignee", "granted"])
def test_provenance_counts_the_sensitive_source_for_those_who_may_see_it(newsroom, who):
    prov = claim_provenance(claim=newsroom.claim, user=newsroom.users[who])

    asserts = prov.stance(ASSERTS)
    assert (asserts.evidence_count, asserts.independent_origins) == (2, 2)


def test_a_sensitive_source_inside_a_chain_is_not_walked_through_for_a_viewer(
    viewer, editor, fact_checker
):
    claim = ClaimFactory()
    article = SourceFactory()
    informant = SourceFactory(is_sensitive=True)
    origin = SourceFactory(sourcing=ORIGINAL)
    CitationFactory(citing=article, cited=informant)
    CitationFactory(citing=informant, cited=origin)
    EvidenceFactory(claim=claim, source=article)

    hidden = claim_provenance(claim=claim, user=viewer)
    shown = claim_provenance(claim=claim, user=editor)

    assert {node.source_id for node in hidden.nodes} == {article.pk}
    assert hidden.edges == ()
    assert hidden.stance(ASSERTS).origin_unknown_count == 1
    assert shown.stance(ASSERTS).independent_origins == 1
    assert {node.source_id for node in shown.nodes} == {article.pk, informant.pk, origin.pk}
    assert claim_provenance(claim=claim, user=fact_checker).edges == ()


def test_a_grant_on_one_claim_does_not_reach_sensitive_sources_of_another(newsroom):
    elsewhere = ClaimFactory()
    other_informant = SourceFactory(is_sensitive=True)
    EvidenceFactory(claim=elsewhere, source=other_informant, added_by=newsroom.users["editor"])

    for who in ("assignee", "granted"):
        visible = sources_visible_to(user=next_request(newsroom.users[who]))
        assert newsroom.sensitive in visible
        assert other_informant not in visible


def test_a_sensitive_source_becomes_visible_once_an_editor_assigns_a_checker(
    newsroom, fact_checker, editor
):
    assert newsroom.sensitive not in sources_visible_to(user=fact_checker)

    assign(newsroom.claim, editor, fact_checker)

    assert newsroom.sensitive in sources_visible_to(user=next_request(fact_checker))


def test_an_assignee_set_without_the_service_grants_nothing(newsroom, fact_checker):
    Claim.objects.filter(pk=newsroom.claim.pk).update(assignee=fact_checker)

    assert newsroom.sensitive not in sources_visible_to(user=next_request(fact_checker))


def test_a_sensitive_source_logged_but_not_yet_used_is_visible_to_its_author_only(
    viewer, fact_checker, editor
):
    informant = SourceFactory(is_sensitive=True, created_by=fact_checker, outlet=OutletFactory())

    assert source_is_visible_to(source=informant, user=fact_checker)
    assert source_is_visible_to(source=informant, user=editor)
    assert not source_is_visible_to(source=informant, user=viewer)


# --- Assignment and access (verification.services.claim_assign) -------------------------------


@pytest.fixture
def informant_claim(editor) -> Claim:
    """A claim resting on a public source and on a sensitive one an editor logged."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=SourceFactory(), added_by=editor)
    EvidenceFactory(
        claim=claim, source=SourceFactory(is_sensitive=True, created_by=editor), added_by=editor
    )
    return claim


def _informant(claim: Claim) -> Source:
    return Source.objects.get(evidence__claim=claim, is_sensitive=True)


def test_an_editor_assigning_a_checker_grants_the_claims_sensitive_sources_on_record(
    informant_claim, fact_checker, editor
):
    assign(informant_claim, editor, fact_checker)

    row = SourceGrant.objects.get()
    assert (row.grantee, row.source, row.claim_id, row.granted_by) == (
        fact_checker,
        _informant(informant_claim),
        informant_claim.pk,
        editor,
    )
    assert f"#{informant_claim.pk}" in row.reason


def test_a_checker_assigning_themself_is_granted_nothing(informant_claim, fact_checker):
    assign(informant_claim, fact_checker, fact_checker)

    assert not SourceGrant.objects.exists()
    assert not source_is_visible_to(
        source=_informant(informant_claim), user=next_request(fact_checker)
    )


def test_a_checker_assigning_another_checker_grants_nothing(
    informant_claim, fact_checker, other_fact_checker
):
    assign(informant_claim, fact_checker, other_fact_checker)

    assert not SourceGrant.objects.exists()


def test_taking_a_claim_into_review_assigns_it_and_grants_nothing(informant_claim, fact_checker):
    claim = move(informant_claim, fact_checker, Claim.Status.IN_REVIEW)

    assert claim.assignee == fact_checker
    assert not SourceGrant.objects.exists()


def test_an_editor_assigning_themself_is_granted_nothing(informant_claim, editor):
    assign(informant_claim, editor, editor)

    assert not SourceGrant.objects.exists()


def test_adding_evidence_grants_nothing(editor, fact_checker):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, source=SourceFactory(is_sensitive=True), added_by=editor)
    claim.refresh_from_db()

    evidence_add(
        claim=claim,
        actor=fact_checker,
        source=SourceFactory(),
        stance=ASSERTS,
        expected_version=claim.version,
    )

    assert not SourceGrant.objects.exists()


def test_sources_added_after_the_assignment_are_not_granted(informant_claim, fact_checker, editor):
    assign(informant_claim, editor, fact_checker)
    later = SourceFactory(is_sensitive=True, created_by=editor)
    EvidenceFactory(claim=informant_claim, source=later, added_by=editor)

    assert not source_is_visible_to(source=later, user=next_request(fact_checker))


def test_the_assignee_handing_the_claim_on_loses_its_sources_and_the_rows_stay(
    informant_claim, fact_checker, other_fact_checker, editor
):
    assign(informant_claim, editor, fact_checker)

    assign(informant_claim, next_request(fact_checker), other_fact_checker)

    informant = _informant(informant_claim)
    assert not source_is_visible_to(source=informant, user=next_request(fact_checker))
    assert not source_is_visible_to(source=informant, user=next_request(other_fact_checker))
    row = SourceGrant.objects.get()
    assert (row.revoked_by, row.revoked_at is not None) == (fact_checker, True)


def test_an_editor_unassigning_ends_the_assignees_access(informant_claim, fact_checker, editor):
    assign(informant_claim, editor, fact_checker)

    assign(informant_claim, editor, None)

    assert not source_is_visible_to(
        source=_informant(informant_claim), user=next_request(fact_checker)
    )
    assert SourceGrant.objects.get().revoked_by == editor


def test_an_editor_reassigning_moves_the_access_to_the_new_assignee(
    informant_claim, fact_checker, other_fact_checker, editor
):
    assign(informant_claim, editor, fact_checker)

    assign(informant_claim, editor, other_fact_checker)

    informant = _informant(informant_claim)
    assert not source_is_visible_to(source=informant, user=next_request(fact_checker))
    assert source_is_visible_to(source=informant, user=next_request(other_fact_checker))
    assert SourceGrant.objects.count() == 2


def test_unassignment_leaves_a_direct_grant_on_the_source(informant_claim, fact_checker, editor):
    informant = _informant(informant_claim)
    grant(informant, fact_checker, by=editor)
    assign(informant_claim, editor, fact_checker)

    assign(informant_claim, editor, None)

    assert source_is_visible_to(source=informant, user=next_request(fact_checker))


def test_the_editor_assigning_the_same_checker_again_grants_what_was_added_since(
    informant_claim, fact_checker, editor
):
    assign(informant_claim, editor, fact_checker)
    later = SourceFactory(is_sensitive=True, created_by=editor)
    EvidenceFactory(claim=informant_claim, source=later, added_by=editor)

    assign(informant_claim, editor, fact_checker)

    assert source_is_visible_to(source=later, user=next_request(fact_checker))
    assert SourceGrant.objects.active().count() == 2


# --- The data migration: the old inferred access becomes grants --------------------------------


def _carry_over() -> None:
    migration = importlib.import_module("verification.migrations.0003_inferred_access_to_grants")
    migration.forwards(django_apps, None)


def test_the_migration_turns_exactly_the_old_inferred_access_into_grants(
    viewer, fact_checker, other_fact_checker, editor
):
    author = _user("ann_author", Role.VIEWER)
    both = _user("bea_both", Role.FACT_CHECKER)
    both.groups.add(Group.objects.get(name=Role.EDITOR.group_name))
    gone = _user("gil_gone", Role.FACT_CHECKER, is_active=False)
    logger = _user("lou_logger", Role.FACT_CHECKER)
    informant = SourceFactory(is_sensitive=True, created_by=author)
    claim = ClaimFactory(assignee=fact_checker)
    EvidenceFactory(claim=claim, source=informant, added_by=editor)
    EvidenceFactory(claim=claim, source=SourceFactory(), added_by=other_fact_checker)
    EvidenceFactory(claim=claim, source=SourceFactory(), added_by=viewer)  # not a fact-checker
    EvidenceFactory(claim=claim, source=SourceFactory(), added_by=both)  # an editor
    EvidenceFactory(claim=ClaimFactory(assignee=gone), source=informant, added_by=editor)
    own = SourceFactory(is_sensitive=True, created_by=logger)
    EvidenceFactory(claim=ClaimFactory(), source=own, added_by=logger)  # they logged it
    EvidenceFactory(claim=ClaimFactory(assignee=logger), source=SourceFactory(), added_by=logger)

    _carry_over()

    rows = SourceGrant.objects.all()
    assert {(g.grantee, g.source, g.claim_id) for g in rows} == {
        (fact_checker, informant, claim.pk),
        (other_fact_checker, informant, claim.pk),
    }
    assert all(g.granted_by is None and g.is_active for g in rows)
    assert all(f"#{claim.pk}" in g.reason for g in rows)
    assert source_is_visible_to(source=informant, user=next_request(other_fact_checker))


def test_the_migration_writes_nothing_without_sensitive_evidence(fact_checker):
    EvidenceFactory(claim=ClaimFactory(assignee=fact_checker), source=SourceFactory())

    _carry_over()

    assert not SourceGrant.objects.exists()


def test_carried_over_grants_end_when_an_editor_unassigns(fact_checker, editor):
    informant = SourceFactory(is_sensitive=True, created_by=editor)
    claim = ClaimFactory(assignee=fact_checker)
    EvidenceFactory(claim=claim, source=informant, added_by=editor)
    _carry_over()

    assign(claim, editor, None)

    assert not source_is_visible_to(source=informant, user=next_request(fact_checker))
    assert SourceGrant.objects.get().revoked_by == editor
