"""Who may see a sensitive source: the rule (sources.selectors) and the grants (sources.services).

Editors see every source; anyone else with a newsroom role sees the sources that are not
sensitive, the sensitive ones they logged and those an editor granted them; no role, nothing.
Grants are rows an editor makes with a reason and ends with a reason; they are never deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from config.roles import Role
from sources import selectors
from sources.archiving.linkcheck import source_link_recheck
from sources.archiving.services import snapshot_recapture, snapshot_upload
from sources.models import Citation, RestrictedSourceAttempt, Snapshot, Source, SourceGrant
from sources.selectors import (
    citations_visible_to,
    grantable_people,
    snapshot_visible_or_404,
    source_access,
    source_access_forget,
    source_grants,
    source_is_visible_to,
    source_restricted_attempts,
    source_visible_check,
    sources_visible_to,
    visible_source_or_404,
)
from sources.services import (
    RESTRICTED_MESSAGE,
    citation_create,
    citation_delete,
    source_create,
    source_grant_revoke,
    source_grants_end_for_claim,
    source_grants_for_claim,
    source_update,
    source_url_resolve,
)
from tests.factories import (
    CitationFactory,
    SourceFactory,
    UserFactory,
    grant,
    next_request,
    row_counts,
)

pytestmark = pytest.mark.django_db

PDF = (Path(__file__).resolve().parent.parent / "fixtures" / "capture" / "report.pdf").read_bytes()


def _code(exc: ValidationError, field: str) -> str:
    return exc.error_dict[field][0].code


def _revoke(access: SourceGrant, editor, reason: str = "The story is out.") -> SourceGrant:
    return source_grant_revoke(actor=editor, grant=access, reason=reason)


# --- The rule ----------------------------------------------------------------------------------


def test_editors_see_every_source(editor, hidden):
    public = SourceFactory()

    assert set(sources_visible_to(user=editor)) == {hidden, public}
    assert source_access(editor).everything


def test_a_superuser_sees_every_source(hidden):
    root = UserFactory(username="root", is_superuser=True)

    assert source_is_visible_to(source=hidden, user=root)


@pytest.mark.parametrize("who", ["viewer", "fact_checker"])
def test_others_see_the_sources_that_are_not_sensitive(request, who, hidden):
    public = SourceFactory()

    assert list(sources_visible_to(user=request.getfixturevalue(who))) == [public]


def test_a_person_sees_the_sensitive_source_they_logged(viewer):
    own = SourceFactory(is_sensitive=True, created_by=viewer)

    assert source_is_visible_to(source=own, user=viewer)
    assert own in sources_visible_to(user=viewer)


@pytest.mark.parametrize("who", ["viewer", "fact_checker"])
def test_a_person_sees_a_sensitive_source_an_editor_granted_them(request, who, editor, hidden):
    person = request.getfixturevalue(who)
    grant(hidden, person, by=editor)

    assert hidden in sources_visible_to(user=next_request(person))


def test_a_grant_on_one_source_shows_no_other(fact_checker, editor, hidden):
    other = SourceFactory(is_sensitive=True, created_by=editor)
    grant(hidden, fact_checker, by=editor)

    assert set(sources_visible_to(user=next_request(fact_checker))) == {hidden}
    assert not source_is_visible_to(source=other, user=next_request(fact_checker))


def test_a_grant_to_one_person_shows_nothing_to_another(
    fact_checker, other_fact_checker, editor, hidden
):
    grant(hidden, fact_checker, by=editor)

    assert not source_is_visible_to(source=hidden, user=other_fact_checker)


def test_a_revoked_grant_shows_nothing(fact_checker, editor, hidden):
    _revoke(grant(hidden, fact_checker, by=editor), editor)

    assert not source_is_visible_to(source=hidden, user=next_request(fact_checker))


def test_without_a_role_nothing_is_visible_not_even_a_granted_source(outsider, hidden):
    SourceGrant.objects.create(grantee=outsider, source=hidden, reason="Before they left.")
    SourceFactory(created_by=outsider)

    assert not sources_visible_to(user=outsider).exists()
    assert source_access(outsider).nothing


def test_the_anonymous_see_nothing(hidden):
    SourceFactory()

    assert not sources_visible_to(user=None).exists()


def test_citations_are_visible_only_when_both_ends_are(viewer, editor, hidden):
    public, other = SourceFactory(), SourceFactory()
    shown = CitationFactory(citing=public, cited=other)
    CitationFactory(citing=public, cited=hidden)
    CitationFactory(citing=hidden, cited=other)

    assert list(citations_visible_to(user=viewer)) == [shown]
    assert citations_visible_to(user=editor).count() == 3


def test_a_hidden_source_is_a_404_like_a_missing_one(viewer, hidden):
    with pytest.raises(Http404):
        visible_source_or_404(source_id=hidden.pk, user=viewer)
    with pytest.raises(Http404):
        visible_source_or_404(source_id=999999, user=viewer)


def test_a_hidden_sources_snapshot_is_a_404(viewer, editor, hidden):
    snapshot = Snapshot.objects.create(source=hidden, url=hidden.url)

    with pytest.raises(Http404):
        snapshot_visible_or_404(snapshot_id=snapshot.pk, user=viewer)
    assert snapshot_visible_or_404(snapshot_id=snapshot.pk, user=editor) == snapshot


def test_a_write_on_a_hidden_source_is_refused_as_no_such_source(viewer, hidden):
    with pytest.raises(ValidationError) as exc:
        source_visible_check(source=hidden, user=viewer)

    assert _code(exc.value, "source") == "does_not_exist"
    assert exc.value.error_dict["source"][0].message == "No such source."


def test_above_the_id_list_limit_the_rule_is_a_subquery_with_the_same_answer(
    monkeypatch, viewer, editor
):
    granted = [SourceFactory(is_sensitive=True, created_by=editor) for _ in range(3)]
    for source in granted:
        grant(source, viewer, by=editor)
    SourceFactory(is_sensitive=True, created_by=editor)
    public = SourceFactory()
    monkeypatch.setattr(selectors, "_ID_LIST_LIMIT", 2)

    assert set(sources_visible_to(user=next_request(viewer))) == {*granted, public}


# --- Read once per request ---------------------------------------------------------------------


def test_the_rule_is_read_with_one_query_however_often_it_is_used(
    fact_checker, editor, hidden, django_assert_num_queries
):
    grant(hidden, fact_checker, by=editor)
    person = next_request(fact_checker)
    source_access(person)  # the role is read here too; what follows reads nothing

    with django_assert_num_queries(0):
        for _ in range(5):
            source_access(person)
            source_is_visible_to(source=hidden, user=person)


def test_a_non_editor_rule_costs_one_query_besides_the_role(
    fact_checker, editor, hidden, django_assert_num_queries
):
    grant(hidden, fact_checker, by=editor)
    person = next_request(fact_checker)
    person.groups.all()  # not cached: the role query is counted below
    with django_assert_num_queries(2):  # the role, the sensitive sources they may see
        access = source_access(person)

    assert access.sensitive_ids == frozenset({hidden.pk})


def test_an_editors_rule_reads_no_grants(editor, django_assert_num_queries):
    with django_assert_num_queries(1):  # the role only
        assert source_access(editor).everything


def test_forgetting_the_rule_reads_it_again(fact_checker, editor, hidden):
    person = next_request(fact_checker)
    assert not source_is_visible_to(source=hidden, user=person)
    SourceGrant.objects.create(grantee=person, source=hidden, reason="Row written elsewhere.")

    assert not source_is_visible_to(source=hidden, user=person)  # this request's answer
    source_access_forget(person)
    assert source_is_visible_to(source=hidden, user=person)


# --- source_grant_create -----------------------------------------------------------------------


def test_an_editor_grants_a_fact_checker_one_sensitive_source(fact_checker, editor, hidden):
    access = grant(hidden, fact_checker, by=editor, reason="Verifies the informant's account.")

    row = SourceGrant.objects.get()
    assert row == access
    assert (row.grantee, row.source, row.granted_by, row.claim_id) == (
        fact_checker,
        hidden,
        editor,
        None,
    )
    assert (row.reason, row.revoked_at, row.is_active) == (
        "Verifies the informant's account.",
        None,
        True,
    )


def test_a_grant_is_seen_at_once_by_the_grantee_object_it_was_given(fact_checker, editor, hidden):
    assert not source_is_visible_to(source=hidden, user=fact_checker)

    grant(hidden, fact_checker, by=editor)

    assert source_is_visible_to(source=hidden, user=fact_checker)


@pytest.mark.parametrize("who", ["viewer", "fact_checker", "outsider"])
def test_only_an_editor_may_grant(request, who, other_fact_checker, hidden):
    before = row_counts()

    with pytest.raises(PermissionDenied):
        grant(hidden, other_fact_checker, by=request.getfixturevalue(who))
    assert row_counts() == before


def test_a_fact_checker_cannot_grant_themself(fact_checker, hidden):
    with pytest.raises(PermissionDenied):
        grant(hidden, fact_checker, by=fact_checker)
    assert not SourceGrant.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_grant_needs_a_reason(reason, fact_checker, editor, hidden):
    with pytest.raises(ValidationError) as exc:
        grant(hidden, fact_checker, by=editor, reason=reason)

    assert _code(exc.value, "reason") == "required"
    assert not SourceGrant.objects.exists()


def test_an_editor_is_not_granted_what_they_see_already(editor, other_editor, hidden):
    with pytest.raises(ValidationError) as exc:
        grant(hidden, other_editor, by=editor)

    assert _code(exc.value, "grantee") == "editor"


def test_someone_without_a_role_is_not_granted(outsider, editor, hidden):
    with pytest.raises(ValidationError) as exc:
        grant(hidden, outsider, by=editor)

    assert _code(exc.value, "grantee") == "no_role"


def test_a_source_that_is_not_sensitive_is_not_granted(fact_checker, editor):
    with pytest.raises(ValidationError) as exc:
        grant(SourceFactory(), fact_checker, by=editor)

    assert _code(exc.value, "source") == "not_sensitive"


def test_whoever_logged_the_source_is_not_granted_it(viewer, editor):
    own = SourceFactory(is_sensitive=True, created_by=viewer)

    with pytest.raises(ValidationError) as exc:
        grant(own, viewer, by=editor)

    assert _code(exc.value, "grantee") == "creator"


def test_a_second_active_grant_of_the_same_source_is_refused(fact_checker, editor, hidden):
    grant(hidden, fact_checker, by=editor)

    with pytest.raises(ValidationError) as exc:
        grant(hidden, fact_checker, by=editor)

    assert _code(exc.value, "grantee") == "duplicate"
    assert SourceGrant.objects.count() == 1


def test_a_revoked_grant_can_be_granted_again_and_both_rows_stay(fact_checker, editor, hidden):
    _revoke(grant(hidden, fact_checker, by=editor), editor)

    grant(hidden, fact_checker, by=editor)

    assert SourceGrant.objects.count() == 2
    assert SourceGrant.objects.active().count() == 1


# --- source_grant_revoke -----------------------------------------------------------------------


def test_an_editor_revokes_a_grant_and_the_row_stays_with_who_when_and_why(
    fact_checker, editor, other_editor, hidden
):
    access = grant(hidden, fact_checker, by=editor)

    _revoke(access, other_editor, reason="Left the story.")

    row = SourceGrant.objects.get()
    assert (row.revoked_by, row.revoke_reason, row.is_active) == (
        other_editor,
        "Left the story.",
        False,
    )
    assert row.revoked_at is not None
    assert row.granted_by == editor


def test_a_revoke_is_seen_at_once_by_the_grantee_held_by_the_service(fact_checker, editor, hidden):
    access = grant(hidden, fact_checker, by=editor)
    person = next_request(fact_checker)
    assert source_is_visible_to(source=hidden, user=person)

    _revoke(access, editor)

    assert not source_is_visible_to(source=hidden, user=next_request(fact_checker))


@pytest.mark.parametrize("who", ["viewer", "fact_checker"])
def test_only_an_editor_may_revoke(request, who, fact_checker, editor, hidden):
    access = grant(hidden, fact_checker, by=editor)

    with pytest.raises(PermissionDenied):
        _revoke(access, request.getfixturevalue(who))
    assert SourceGrant.objects.get().is_active


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_revoke_needs_a_reason(reason, fact_checker, editor, hidden):
    access = grant(hidden, fact_checker, by=editor)

    with pytest.raises(ValidationError) as exc:
        _revoke(access, editor, reason=reason)

    assert _code(exc.value, "reason") == "required"
    assert SourceGrant.objects.get().is_active


def test_a_grant_is_revoked_once(fact_checker, editor, hidden):
    access = grant(hidden, fact_checker, by=editor)
    _revoke(access, editor, reason="First.")

    with pytest.raises(ValidationError) as exc:
        _revoke(access, editor, reason="Second.")

    assert _code(exc.value, "grant") == "revoked"
    assert SourceGrant.objects.get().revoke_reason == "First."


def test_the_record_lists_every_grant_active_and_revoked_newest_first(
    viewer, fact_checker, editor, hidden
):
    first = grant(hidden, fact_checker, by=editor)
    _revoke(first, editor)
    second = grant(hidden, viewer, by=editor)

    assert list(source_grants(source=hidden)) == [second, first]


# --- Grants that come with an assignment -------------------------------------------------------


def test_grants_for_a_claim_cover_its_sensitive_sources_only(fact_checker, editor, hidden):
    public = SourceFactory()

    made = source_grants_for_claim(
        actor=editor,
        grantee=fact_checker,
        claim_id=7,
        source_ids=[hidden.pk, public.pk],
        reason="Assigned.",
    )

    assert [(g.source, g.claim_id, g.granted_by) for g in made] == [(hidden, 7, editor)]
    assert source_is_visible_to(source=hidden, user=fact_checker)


def test_grants_for_a_claim_skip_what_the_grantee_logged_or_holds_for_that_claim(
    fact_checker, editor, hidden
):
    own = SourceFactory(is_sensitive=True, created_by=fact_checker)
    kwargs = {"actor": editor, "grantee": fact_checker, "claim_id": 7, "reason": "Assigned."}
    source_grants_for_claim(source_ids=[hidden.pk], **kwargs)

    again = source_grants_for_claim(source_ids=[hidden.pk, own.pk], **kwargs)

    assert again == []
    assert SourceGrant.objects.count() == 1


def test_grants_for_a_claim_are_an_editors_to_make(fact_checker, other_fact_checker, hidden):
    with pytest.raises(PermissionDenied):
        source_grants_for_claim(
            actor=fact_checker,
            grantee=other_fact_checker,
            claim_id=7,
            source_ids=[hidden.pk],
            reason="Assigned.",
        )
    assert not SourceGrant.objects.exists()


def test_ending_a_claims_grants_leaves_direct_grants_and_other_claims_alone(
    fact_checker, editor, hidden
):
    direct = grant(hidden, fact_checker, by=editor)
    kwargs = {"actor": editor, "grantee": fact_checker, "source_ids": [hidden.pk]}
    (on_7,) = source_grants_for_claim(claim_id=7, reason="Assigned to 7.", **kwargs)
    (on_8,) = source_grants_for_claim(claim_id=8, reason="Assigned to 8.", **kwargs)

    ended = source_grants_end_for_claim(
        actor=editor, grantee_id=fact_checker.pk, claim_id=7, reason="Unassigned."
    )

    assert ended == 1
    assert set(SourceGrant.objects.active()) == {direct, on_8}
    assert SourceGrant.objects.get(pk=on_7.pk).revoked_by == editor


# --- People a grant can matter to ----------------------------------------------------------------


def test_grants_can_go_to_active_viewers_and_fact_checkers_only(
    viewer, fact_checker, editor, outsider
):
    gone = UserFactory(username="gone_checker", is_active=False)
    gone.groups.add(Group.objects.get(name=Role.FACT_CHECKER.group_name))
    both = UserFactory(username="both_roles")
    both.groups.add(*Group.objects.filter(name__in=["fact_checker", "editor"]))

    assert list(grantable_people()) == [fact_checker, viewer]


# --- A sensitive source's URL, submitted by someone who may not see it ----------------------------


SPELLINGS = [
    "https://x.com/informant/status/1",
    "http://x.com/informant/status/1",
    "https://www.x.com/informant/status/1",
    "https://twitter.com/informant/status/1",
    "https://www.twitter.com/informant/status/1?utm_source=share#reply",
    "  https://x.com/informant/status/1  ",
]


@pytest.fixture
def hidden_post(editor) -> Source:
    return SourceFactory(
        is_sensitive=True, created_by=editor, kind="social_post", title="Informant's post",
        url="https://x.com/informant/status/1",
    )  # fmt: skip


@pytest.mark.parametrize("url", SPELLINGS)
def test_resolving_a_hidden_sources_url_is_restricted_and_recorded(fact_checker, hidden_post, url):
    with pytest.raises(ValidationError) as exc:
        source_url_resolve(actor=fact_checker, url=url)

    error = exc.value.error_dict["url"][0]
    assert (error.code, error.message) == ("restricted", RESTRICTED_MESSAGE)
    assert str(hidden_post.pk) not in str(exc.value)
    attempt = RestrictedSourceAttempt.objects.get()
    assert (attempt.source, attempt.attempted_by, attempt.url) == (
        hidden_post,
        fact_checker,
        url.strip(),
    )


def test_resolving_a_visible_sources_url_returns_it_and_records_nothing(editor, hidden_post):
    assert source_url_resolve(actor=editor, url="https://twitter.com/informant/status/1") == (
        hidden_post
    )
    assert not RestrictedSourceAttempt.objects.exists()


def test_resolving_an_unrecorded_url_is_none(fact_checker):
    assert source_url_resolve(actor=fact_checker, url="https://news.example/new") is None


def test_a_granted_person_resolves_the_url_to_the_source(fact_checker, editor, hidden_post):
    grant(hidden_post, fact_checker, by=editor)

    assert source_url_resolve(actor=fact_checker, url=SPELLINGS[3]) == hidden_post


def test_the_attempts_are_listed_for_the_source(viewer, fact_checker, hidden_post):
    for person in (viewer, fact_checker):
        with pytest.raises(ValidationError):
            source_url_resolve(actor=person, url=SPELLINGS[1])

    assert {a.attempted_by for a in source_restricted_attempts(source=hidden_post)} == {
        viewer,
        fact_checker,
    }


@pytest.mark.parametrize("url", SPELLINGS)
def test_logging_a_hidden_sources_url_is_restricted_and_writes_only_the_attempt(
    viewer, hidden_post, url
):
    before = row_counts()

    with pytest.raises(ValidationError) as exc:
        source_create(actor=viewer, kind="social_post", url=url)

    assert _code(exc.value, "url") == "restricted"
    assert row_counts() == {
        **before,
        "sources.RestrictedSourceAttempt": before["sources.RestrictedSourceAttempt"] + 1,
    }


def test_moving_ones_own_source_to_a_hidden_sources_url_is_restricted(viewer, hidden_post):
    own = SourceFactory(created_by=viewer, url="https://news.example/mine")

    with pytest.raises(ValidationError) as exc:
        source_update(source=own, actor=viewer, url=SPELLINGS[4])

    assert _code(exc.value, "url") == "restricted"
    own.refresh_from_db()
    assert own.canonical_url == "https://news.example/mine"
    assert RestrictedSourceAttempt.objects.get().attempted_by == viewer


# --- Writes on a source one may not see: "No such source" ---------------------------------------


def test_citing_a_hidden_source_is_no_such_source(fact_checker, hidden):
    with pytest.raises(ValidationError) as exc:
        citation_create(actor=fact_checker, citing=SourceFactory(), cited=hidden)

    assert _code(exc.value, "cited") == "does_not_exist"
    assert not Citation.objects.exists()


def test_a_hidden_source_citing_is_no_such_source(fact_checker, hidden):
    with pytest.raises(ValidationError) as exc:
        citation_create(actor=fact_checker, citing=hidden, cited=SourceFactory())

    assert _code(exc.value, "citing") == "does_not_exist"


def test_removing_a_citation_of_a_hidden_source_is_no_such_source(fact_checker, hidden):
    citation = CitationFactory(citing=SourceFactory(), cited=hidden)

    with pytest.raises(ValidationError) as exc:
        citation_delete(citation=citation, actor=fact_checker)

    assert _code(exc.value, "cited") == "does_not_exist"
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_capturing_a_hidden_source_again_is_no_such_source(fact_checker, hidden):
    with pytest.raises(ValidationError) as exc:
        snapshot_recapture(source=hidden, actor=fact_checker)

    assert _code(exc.value, "source") == "does_not_exist"
    assert not Snapshot.objects.exists()


def test_uploading_to_a_hidden_source_is_no_such_source(viewer, hidden):
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")

    with pytest.raises(ValidationError) as exc:
        snapshot_upload(source=hidden, upload=upload, actor=viewer)

    assert _code(exc.value, "source") == "does_not_exist"
    assert not Snapshot.objects.exists()


def test_rechecking_a_hidden_sources_link_is_no_such_source(fact_checker, hidden):
    with pytest.raises(ValidationError) as exc:
        source_link_recheck(source=hidden, actor=fact_checker)

    assert _code(exc.value, "source") == "does_not_exist"
    assert not hidden.link_checks.exists()


def test_editing_a_hidden_source_is_no_such_source(fact_checker, hidden):
    with pytest.raises(ValidationError) as exc:
        source_update(source=hidden, actor=fact_checker, title="Renamed")

    assert _code(exc.value, "source") == "does_not_exist"
    hidden.refresh_from_db()
    assert hidden.title == "Informant"


def test_a_granted_fact_checker_may_cite_the_source(fact_checker, editor, hidden):
    grant(hidden, fact_checker, by=editor)

    citation = citation_create(actor=fact_checker, citing=SourceFactory(), cited=hidden)

    assert Citation.objects.get() == citation


def test_grant_rows_are_kept_when_the_grant_ends(fact_checker, editor, hidden):
    _revoke(grant(hidden, fact_checker, by=editor), editor)
    grant(hidden, fact_checker, by=editor)

    assert SourceGrant.objects.filter(source=hidden).count() == 2


def test_logging_a_sensitive_source_then_using_it_in_the_same_request_works(fact_checker):
    """The rule is read once per request: one that logs a sensitive source after reading it
    (a URL check first, then the write) still sees what it logged."""
    source_is_visible_to(source=SourceFactory(), user=fact_checker)  # the rule is read now
    own = source_create(actor=fact_checker, kind="interview", title="Notes", is_sensitive=True)

    assert source_is_visible_to(source=own, user=fact_checker)
