"""Sensitive sources: seen by editors, whoever logged them and those an editor granted them to
(on the source, or by assigning them to a claim resting on it); adding evidence grants nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User

from claims.models import Claim
from config.roles import Role
from sources.models import Source
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
    next_request,
)
from verification.models import Evidence
from verification.provenance import Provenance, claim_provenance
from verification.selectors import claim_evidence

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
