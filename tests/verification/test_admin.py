"""The admin: every model has pages, every write goes through a service, refusals are form errors.

The Claim, Evidence, StatusChange and Publication admins live in verification.admin; sources.admin
registers the Source, Citation, grant and refused-attempt admins (tests/sources/test_admin.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Tag
from claims.services import claim_create, claim_relation_create, claim_update
from sources.models import LinkCheck, RestrictedSourceAttempt, Snapshot, Source, SourceGrant
from sources.services import citation_create, source_create, source_url_resolve
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    EvidenceFactory,
    OutletDomainFactory,
    OutletFactory,
    OutletHandleFactory,
    ReliabilityRatingFactory,
    SourceFactory,
    UserFactory,
    grant,
)
from verification.models import Evidence, Publication, StatusChange
from verification.services import claim_status_change, evidence_add, verdict_publish

OUR_MODELS = [
    model
    for label in ("sources", "claims", "verification")
    for model in apps.get_app_config(label).get_models()
]
# Written only elsewhere: tags by the claim forms, the audit trail by the status workflow, grants
# and refused attempts by the desk and the API (where a reason is required).
NOT_ADDABLE = {Tag, StatusChange, Snapshot, LinkCheck, SourceGrant, RestrictedSourceAttempt}
# The record of who could see which sensitive source is for editors only.
EDITORS_ONLY = {SourceGrant, RestrictedSourceAttempt}


def url(model: Any, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def shown_form_data(response: Any) -> dict[str, Any]:
    """What a browser posts back for an admin form page as shown: the values of every form on
    the page (the object's and each inline row's) and each inline's management form."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if field.field.disabled or value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def advance(claim: Claim, actor: Any, *statuses: str) -> Claim:
    for status in statuses:
        claim.refresh_from_db()
        claim_status_change(
            claim=claim,
            actor=actor,
            to_status=status,
            rationale=f"To {status}.",
            expected_version=claim.version,
        )
    claim.refresh_from_db()
    return claim


def add_evidence(claim: Claim, actor: Any, source: Source, stance: str = "asserts") -> Evidence:
    claim.refresh_from_db()
    return evidence_add(
        claim=claim, actor=actor, source=source, stance=stance, expected_version=claim.version
    )


def populate(fact_checker: Any, editor: Any, n: int = 0) -> None:
    """A row of every model, made the way the product makes them."""
    rating = ReliabilityRatingFactory(rated_by=editor)
    OutletDomainFactory(outlet=rating.outlet)
    OutletHandleFactory()
    citation = CitationFactory()
    claim = claim_create(
        actor=fact_checker,
        text=f"Bridge {n} was closed.",
        claimant=ClaimantFactory(),
        tags=[f"transport-{n}"],
    )
    other = claim_create(actor=fact_checker, text=f"Bridge {n} stayed open.")
    claim_relation_create(actor=fact_checker, from_claim=claim, to_claim=other, kind="contradicts")
    add_evidence(claim, fact_checker, citation.citing)
    advance(claim, fact_checker, "in_review", "verified")
    verdict_publish(
        claim=claim, actor=editor, public_summary="Confirmed.", expected_version=claim.version
    )
    # A capture job and a link check, as source_create and the link-check job write them.
    cited = source_create(actor=fact_checker, kind="article", url=f"https://bridge{n}.example/r")
    LinkCheck.objects.create(
        source=cited, url=cited.url, status=Source.LinkStatus.GONE, http_status=404,
        error_code="http_404", message="The site answers 404 Not Found.",
    )  # fmt: skip
    # A grant and a refused attempt on a sensitive source, as the desk and the API write them.
    informant = source_create(
        actor=editor, kind="interview", url=f"https://informant{n}.example/", is_sensitive=True
    )
    grant(informant, fact_checker, by=editor, reason="Checks the informant's account.")
    stranger = UserFactory(username=f"stranger{n}")
    stranger.groups.add(Group.objects.get(name="viewer"))
    with pytest.raises(ValidationError):
        source_url_resolve(actor=stranger, url=informant.url)


@pytest.fixture
def one_of_each(fact_checker, editor) -> None:
    populate(fact_checker, editor)


# --- Every page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_every_model_has_an_admin(model):
    assert admin.site.is_registered(model)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_changelist_renders_for_an_editor(client, editor, one_of_each, model):
    client.force_login(editor)
    response = client.get(url(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_add_page_renders_for_an_editor_where_rows_can_be_added(client, editor, model):
    client.force_login(editor)
    response = client.get(url(model, "add"))
    assert response.status_code == (403 if model in NOT_ADDABLE else 200)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ["viewer", "fact_checker", "editor"])
def test_change_page_renders_for_every_role(client, users_by_role, one_of_each, model, role):
    client.force_login(users_by_role[role])
    response = client.get(url(model, "change", model.objects.order_by("pk").first().pk))
    assert response.status_code == (403 if model in EDITORS_ONLY and role != "editor" else 200)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(client, editor, fact_checker, model):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(model)).status_code == 200
        return len(queries)

    client.force_login(editor)
    populate(fact_checker, editor, 0)
    few = page_queries()
    for n in range(1, 4):
        populate(fact_checker, editor, n)
    assert page_queries() == few


def test_claim_changelist_counts_evidence(client, editor, fact_checker):
    claim = ClaimFactory(created_by=fact_checker)
    EvidenceFactory(claim=claim)
    EvidenceFactory(claim=claim, stance="supports")
    client.force_login(editor)
    response = client.get(url(Claim))
    assert [c.evidence_count for c in response.context["cl"].result_list] == [2]


# --- The claim page: edits, status, evidence -------------------------------------------------


@pytest.fixture
def claim(fact_checker) -> Claim:
    return claim_create(actor=fact_checker, text="At least 155 citizens are fighting abroad.")


def test_status_change_on_claim_page_writes_the_audit_row_and_bumps_the_version(
    client, fact_checker, claim
):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "new_status": "in_review", "rationale": "Taking it."}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 302
    change = StatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.actor) == (
        "unverified",
        "in_review",
        fact_checker,
    )
    assert change.rationale == "Taking it."
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.assignee) == ("in_review", 2, fact_checker)


def test_status_change_offers_only_the_next_statuses(client, fact_checker, claim):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    choices = [value for value, _ in page.context["adminform"].form.fields["new_status"].choices]
    assert choices == ["", "in_review"]


def test_refused_transition_is_a_form_error_and_writes_nothing(client, fact_checker, claim):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "new_status": "verified", "rationale": "Looks right."}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    assert "cannot go from unverified to verified" in str(
        response.context["adminform"].form.errors["new_status"]
    )
    assert not StatusChange.objects.exists()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unverified", 1)


def test_status_change_without_rationale_is_a_form_error(client, fact_checker, claim):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "new_status": "in_review"}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert "rationale" in response.context["adminform"].form.errors
    assert not StatusChange.objects.exists()


def test_stale_page_is_refused_with_the_current_version_and_writes_nothing(
    client, fact_checker, other_fact_checker, claim
):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    claim_update(
        claim=claim, actor=other_fact_checker, expected_version=1, text="At least 160 fight."
    )
    data = {**shown_form_data(page), "new_status": "in_review", "rationale": "Taking it."}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "changed by someone else" in errors
    assert "now at version 2" in errors
    assert not StatusChange.objects.exists()
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.text) == ("unverified", 2, "At least 160 fight.")


def test_stale_text_edit_does_not_overwrite(client, fact_checker, other_fact_checker, claim):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    claim_update(claim=claim, actor=other_fact_checker, expected_version=1, language="uk")
    data = {**shown_form_data(page), "text": "My wording."}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.text == "At least 155 citizens are fighting abroad."


def test_claim_edit_on_claim_page_goes_through_claim_update(client, fact_checker, claim):
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {
        **shown_form_data(page),
        "text": "  At least 155   citizens fight. ",
        "tags": "war, a b",
    }

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.text == "At least 155 citizens fight."  # normalized by the service
    assert claim.version == 2
    assert sorted(claim.tags.values_list("name", flat=True)) == ["a-b", "war"]


def test_viewer_editing_someone_elses_claim_is_a_form_error(client, viewer, claim):
    client.force_login(viewer)
    page = client.get(url(Claim, "change", claim.pk))
    assert "new_status" not in page.context["adminform"].form.fields
    data = {**shown_form_data(page), "text": "Something else entirely."}

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    assert "fact-checker role" in " ".join(response.context["adminform"].form.non_field_errors())
    claim.refresh_from_db()
    assert claim.version == 1


def test_assignment_on_claim_page_goes_through_claim_assign(
    client, editor, other_fact_checker, claim
):
    client.force_login(editor)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "assign_to": other_fact_checker.pk}

    assert client.post(url(Claim, "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert (claim.assignee, claim.version) == (other_fact_checker, 2)


def add_evidence_row(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    index = int(data["evidence-TOTAL_FORMS"])
    row = {f"evidence-{index}-{name}": value for name, value in fields.items()}
    return {
        **data,
        **row,
        "evidence-TOTAL_FORMS": index + 1,
    }


def test_evidence_added_on_claim_page_goes_through_evidence_add(client, fact_checker, claim):
    source = SourceFactory(sourcing="original")
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = add_evidence_row(
        shown_form_data(page), source=source.pk, stance="asserts", credibility=2
    )

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.source, evidence.added_by, evidence.credibility) == (source, fact_checker, 2)
    claim.refresh_from_db()
    assert claim.version == 2


def test_status_change_and_two_evidence_rows_follow_each_others_versions(
    client, fact_checker, claim
):
    first, second = SourceFactory(), SourceFactory()
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "new_status": "in_review", "rationale": "Go."}
    data = add_evidence_row(data, source=first.pk, stance="asserts", credibility=6)
    data = add_evidence_row(data, source=second.pk, stance="contradicts", credibility=3)

    assert client.post(url(Claim, "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert claim.version == 4
    assert Evidence.objects.filter(claim=claim).count() == 2


def test_a_page_is_saved_whole_or_not_at_all(client, fact_checker, claim):
    source = SourceFactory()
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = {**shown_form_data(page), "new_status": "in_review", "rationale": "Go."}
    # A Russian quote without a translation: evidence_add refuses it.
    data = add_evidence_row(
        data, source=source.pk, stance="asserts", credibility=6, quote="Да", quote_language="ru"
    )

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "translation" in formset.forms[0].errors
    assert not StatusChange.objects.exists()
    assert not Evidence.objects.exists()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unverified", 1)


def test_evidence_edited_and_removed_on_claim_page(client, fact_checker, claim):
    kept = add_evidence(claim, fact_checker, SourceFactory())
    removed = add_evidence(claim, fact_checker, SourceFactory())
    client.force_login(fact_checker)
    page = client.get(url(Claim, "change", claim.pk))
    data = shown_form_data(page)
    data["evidence-0-credibility"] = 1
    data["evidence-1-DELETE"] = "on"

    response = client.post(url(Claim, "change", claim.pk), data)

    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.credibility == 1
    assert not Evidence.objects.filter(pk=removed.pk).exists()
    claim.refresh_from_db()
    assert claim.version == 5  # two adds, one edit, one removal


def test_viewer_gets_evidence_inline_without_sensitive_sources(client, viewer, fact_checker, claim):
    informant = SourceFactory(title="Informant", is_sensitive=True, created_by=fact_checker)
    add_evidence(claim, fact_checker, SourceFactory(title="Open report"))
    add_evidence(claim, fact_checker, informant)
    client.force_login(viewer)

    response = client.get(url(Claim, "change", claim.pk))

    assert response.status_code == 200
    assert b"Open report" in response.content
    assert b"Informant" not in response.content


# --- Adding claims -------------------------------------------------------------------------------


def test_claim_added_in_admin_goes_through_claim_create(client, viewer):
    client.force_login(viewer)
    data = {
        "text": "Two  mercenaries were killed.",
        "kind": "fact",
        "made_on_precision": "month",
        "made_on": "2024-05-17",
        "language": "en",
        "tags": "casualties",
    }

    response = client.post(url(Claim, "add"), data)

    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.text, claim.created_by, str(claim.made_on)) == (
        "Two mercenaries were killed.",
        viewer,
        "2024-05-01",
    )
    assert list(claim.tags.values_list("name", flat=True)) == ["casualties"]


def test_duplicate_claim_is_refused_with_the_services_message(client, viewer, claim):
    client.force_login(viewer)
    data = {
        "text": claim.text.upper(),
        "kind": "fact",
        "made_on_precision": "day",
        "language": "en",
    }

    response = client.post(url(Claim, "add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["text"]
    assert f"already recorded as claim #{claim.pk}" in str(errors)
    assert Claim.objects.count() == 1


def test_duplicate_claim_can_be_logged_and_linked(client, viewer, claim):
    client.force_login(viewer)
    data = {
        "text": claim.text,
        "kind": "fact",
        "made_on_precision": "day",
        "language": "en",
        "allow_duplicate": "on",
    }
    assert client.post(url(Claim, "add"), data).status_code == 302
    assert Claim.objects.count() == 2


# --- Provenance panel ----------------------------------------------------------------------------


def test_claim_page_shows_the_provenance_panel(client, fact_checker, claim):
    telegram = source_create(
        actor=fact_checker,
        kind="social_post",
        url="https://t.me/s/SomeChannel/10",
        title="Channel post",
        sourcing="original",
    )
    for url_ in ("https://mag.example/a", "https://paper.example/b"):
        repeat = source_create(actor=fact_checker, kind="article", url=url_, title=url_)
        citation_create(actor=fact_checker, citing=repeat, cited=telegram)
        add_evidence(claim, fact_checker, repeat)
    unsourced = source_create(actor=fact_checker, kind="article", title="Unsourced blog")
    add_evidence(claim, fact_checker, unsourced, stance="contradicts")
    client.force_login(fact_checker)

    response = client.get(url(Claim, "change", claim.pk))

    html = " ".join(response.content.decode().split())
    assert 'id="provenance"' in html
    assert "Asserts (makes or repeats the claim): 2 sources, 1 independent origin" in html
    assert "Channel post" in html
    assert "Origin unknown" in html and "Unsourced blog" in html


def test_provenance_panel_escapes_what_users_typed(client, fact_checker, claim):
    outlet = OutletFactory(name="<b>Outlet</b>", owner="<i>Owner</i>")
    source = SourceFactory(title="<script>alert(1)</script>", outlet=outlet, sourcing="original")
    add_evidence(claim, fact_checker, source)
    client.force_login(fact_checker)

    html = client.get(url(Claim, "change", claim.pk)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Outlet</b>" not in html and "<i>Owner</i>" not in html


def test_provenance_panel_leaves_out_sources_the_user_may_not_see(
    client, viewer, fact_checker, claim
):
    add_evidence(
        claim,
        fact_checker,
        SourceFactory(title="Informant", is_sensitive=True, created_by=fact_checker),
    )
    client.force_login(viewer)

    html = client.get(url(Claim, "change", claim.pk)).content.decode()

    assert "Informant" not in html
    assert "No evidence yet." in html


# --- Append-only: status history and publications ------------------------------------------


@pytest.mark.parametrize("model", [StatusChange, Publication], ids=lambda m: m.__name__)
def test_audit_rows_cannot_be_deleted_in_admin(client, editor, one_of_each, model):
    row = model.objects.first()
    client.force_login(editor)

    response = client.post(url(model, "delete", row.pk), {"post": "yes"})

    assert response.status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [StatusChange, Publication], ids=lambda m: m.__name__)
def test_audit_rows_cannot_be_changed_in_admin(client, editor, one_of_each, model):
    row = model.objects.first()
    client.force_login(editor)
    page = client.get(url(model, "change", row.pk))
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False

    response = client.post(url(model, "change", row.pk), {"rationale": "x", "reason": "x"})

    assert response.status_code == 403


@pytest.mark.parametrize("model", [StatusChange, Publication], ids=lambda m: m.__name__)
def test_audit_rows_offer_no_bulk_delete(client, editor, one_of_each, model):
    client.force_login(editor)
    response = client.get(url(model))
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(
        response.wsgi_request
    )


# --- Publishing ----------------------------------------------------------------------------------


@pytest.fixture
def verified_claim(fact_checker, claim) -> Claim:
    add_evidence(claim, fact_checker, SourceFactory())
    return advance(claim, fact_checker, "in_review", "verified")


def test_claim_page_links_editors_to_publishing(client, editor, verified_claim):
    client.force_login(editor)
    response = client.get(url(Claim, "change", verified_claim.pk))
    assert response.context["publish_url"].endswith(
        f"?claim={verified_claim.pk}&expected_version={verified_claim.version}"
    )


def test_editor_publishes_the_verdict_through_the_publication_form(client, editor, verified_claim):
    client.force_login(editor)
    data = {
        "claim": verified_claim.pk,
        "expected_version": verified_claim.version,
        "action": "publish",
        "public_summary": "Confirmed by border data.",
        "reason": "",
    }

    response = client.post(url(Publication, "add"), data)

    assert response.status_code == 302
    publication = Publication.objects.get()
    assert (publication.verdict, publication.actor) == ("verified", editor)
    version = verified_claim.version
    verified_claim.refresh_from_db()
    assert verified_claim.version == version + 1


def test_publishing_a_verdict_you_set_is_a_form_error(client, editor, claim):
    advance(claim, editor, "in_review", "false")
    client.force_login(editor)
    data = {
        "claim": claim.pk,
        "expected_version": claim.version,
        "action": "publish",
        "public_summary": "False.",
    }

    response = client.post(url(Publication, "add"), data)

    assert response.status_code == 200
    assert "Four eyes" in " ".join(response.context["adminform"].form.non_field_errors())
    assert not Publication.objects.exists()


def test_publication_form_without_a_version_asks_to_confirm_the_current_verdict(
    client, editor, verified_claim
):
    client.force_login(editor)
    data = {"claim": verified_claim.pk, "action": "publish", "public_summary": "Confirmed."}

    first = client.post(url(Publication, "add"), data)

    assert first.status_code == 200
    assert f"is now Verified (version {verified_claim.version})" in " ".join(
        first.context["adminform"].form.non_field_errors()
    )
    assert not Publication.objects.exists()
    confirmed = shown_form_data(first)
    assert confirmed["expected_version"] == str(verified_claim.version)
    second = client.post(url(Publication, "add"), confirmed)
    assert second.status_code == 302
    assert Publication.objects.count() == 1


def test_unpublishing_through_the_publication_form(client, editor, other_editor, verified_claim):
    verdict_publish(
        claim=verified_claim,
        actor=other_editor,
        public_summary="Confirmed.",
        expected_version=verified_claim.version,
    )
    verified_claim.refresh_from_db()
    client.force_login(editor)
    data = {
        "claim": verified_claim.pk,
        "expected_version": verified_claim.version,
        "action": "unpublish",
        "reason": "New figures.",
    }

    assert client.post(url(Publication, "add"), data).status_code == 302
    assert list(Publication.objects.values_list("action", flat=True)) == ["publish", "unpublish"]


def test_fact_checker_cannot_publish(client, fact_checker, verified_claim):
    client.force_login(fact_checker)
    assert client.get(url(Publication, "add")).status_code == 403


# --- The Evidence admin --------------------------------------------------------------------------


def test_viewer_does_not_see_evidence_on_a_sensitive_source(client, viewer, fact_checker, claim):
    informant = SourceFactory(is_sensitive=True, created_by=fact_checker)
    open_ = add_evidence(claim, fact_checker, SourceFactory())
    hidden = add_evidence(claim, fact_checker, informant)
    client.force_login(viewer)

    listed = client.get(url(Evidence)).context["cl"].result_list

    assert list(listed) == [open_]
    assert client.get(url(Evidence, "change", hidden.pk)).status_code == 302  # "does not exist"


def test_evidence_admin_edit_uses_the_version_the_page_showed(
    client, fact_checker, other_fact_checker, claim
):
    evidence = add_evidence(claim, fact_checker, SourceFactory())
    client.force_login(fact_checker)
    page = client.get(url(Evidence, "change", evidence.pk))
    add_evidence(claim, other_fact_checker, SourceFactory())
    data = {**shown_form_data(page), "credibility": 1}

    response = client.post(url(Evidence, "change", evidence.pk), data)

    assert response.status_code == 200
    assert "changed by someone else" in " ".join(
        response.context["adminform"].form.non_field_errors()
    )
    evidence.refresh_from_db()
    assert evidence.credibility == 6


def test_evidence_admin_adds_through_evidence_add(client, fact_checker, claim):
    source = SourceFactory()
    client.force_login(fact_checker)
    data = {"claim": claim.pk, "source": source.pk, "stance": "supports", "credibility": 3}

    assert client.post(url(Evidence, "add"), data).status_code == 302
    assert Evidence.objects.get().added_by == fact_checker
    claim.refresh_from_db()
    assert claim.version == 2


def test_evidence_admin_delete_goes_through_evidence_delete(client, fact_checker, claim):
    evidence = add_evidence(claim, fact_checker, SourceFactory())
    client.force_login(fact_checker)

    response = client.post(url(Evidence, "delete", evidence.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Evidence.objects.exists()
    claim.refresh_from_db()
    assert claim.version == 3


def test_refused_evidence_delete_is_a_message_and_keeps_the_row(
    client, fact_checker, claim, monkeypatch
):
    evidence = add_evidence(claim, fact_checker, SourceFactory())
    client.force_login(fact_checker)
    # A fact-checker's delete is refused only when another write wins the race: stand in for it.
    monkeypatch.setattr("verification.admin._current_version", lambda claim_id: 1)

    response = client.post(url(Evidence, "delete", evidence.pk), {"post": "yes"}, follow=True)

    assert "changed by someone else" in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_bulk_evidence_delete_goes_through_evidence_delete(client, fact_checker, claim):
    rows = [add_evidence(claim, fact_checker, SourceFactory()) for _ in range(2)]
    client.force_login(fact_checker)
    data = {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"}

    response = client.post(url(Evidence), data)

    assert response.status_code == 302
    assert not Evidence.objects.exists()
    claim.refresh_from_db()
    assert claim.version == 5


def test_evidence_snapshot_of_the_audit_trail_is_shown_to_editors_only(
    client, viewer, editor, one_of_each
):
    change = StatusChange.objects.first()
    client.force_login(viewer)
    assert b"Evidence snapshot" not in client.get(url(StatusChange, "change", change.pk)).content
    client.force_login(editor)
    assert b"Evidence snapshot" in client.get(url(StatusChange, "change", change.pk)).content


def test_evidence_admin_sets_via_to_the_sources_own_citations(client, fact_checker, claim):
    report = SourceFactory()
    dataset = CitationFactory(citing=report, cited=SourceFactory())
    CitationFactory(citing=report, cited=SourceFactory())
    unrelated = CitationFactory()
    evidence = add_evidence(claim, fact_checker, report)
    client.force_login(fact_checker)
    page = client.get(url(Evidence, "change", evidence.pk))
    choices = set(page.context["adminform"].form.fields["via"].queryset)
    assert dataset in choices
    assert unrelated not in choices

    response = client.post(
        url(Evidence, "change", evidence.pk), {**shown_form_data(page), "via": [dataset.pk]}
    )

    assert response.status_code == 302
    assert list(evidence.via.all()) == [dataset]
