"""The admin for claimants, tags and claim relations (the Claim admin is verification's)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from claims.models import Claimant, ClaimRelation, Tag
from claims.services import claim_create
from tests.factories import ClaimantFactory, ClaimFactory, ClaimRelationFactory


def url(model: Any, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


CLAIMANT_FORM = {"name": "", "kind": "person", "title": "", "affiliation": "", "country": ""}


# --- Claimants -----------------------------------------------------------------------------------


def test_claimant_added_in_admin_goes_through_claimant_create(client, viewer):
    client.force_login(viewer)
    data = {
        **CLAIMANT_FORM,
        "name": "  Volodymyr   Zelensky ",
        "title": "President",
        "country": "ua",
    }

    assert client.post(url(Claimant, "add"), data).status_code == 302

    claimant = Claimant.objects.get()
    assert (claimant.name, claimant.country) == ("Volodymyr Zelensky", "UA")


def test_duplicate_claimant_is_a_form_error(client, viewer):
    ClaimantFactory(name="Ministry spokesperson", title="")
    client.force_login(viewer)

    response = client.post(url(Claimant, "add"), {**CLAIMANT_FORM, "name": "Ministry spokesperson"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "This claimant is already recorded."
    ]
    assert Claimant.objects.count() == 1


def test_claimant_edited_in_admin_goes_through_claimant_update(client, viewer):
    claimant = ClaimantFactory(name="Spokesperson")
    client.force_login(viewer)
    data = {**CLAIMANT_FORM, "name": "Spokesperson", "affiliation": "  Foreign   Ministry "}

    assert client.post(url(Claimant, "change", claimant.pk), data).status_code == 302

    claimant.refresh_from_db()
    assert claimant.affiliation == "Foreign Ministry"


def test_claimants_cannot_be_deleted_in_admin(client, editor):
    claimant = ClaimantFactory()
    client.force_login(editor)
    assert client.post(url(Claimant, "delete", claimant.pk), {"post": "yes"}).status_code == 403
    assert Claimant.objects.exists()


# --- Tags ----------------------------------------------------------------------------------------


def test_tags_are_listed_with_their_claim_counts_and_not_edited(client, editor, fact_checker):
    claim_create(actor=fact_checker, text="One.", tags=["war"])
    claim_create(actor=fact_checker, text="Two.", tags=["war", "border"])
    client.force_login(editor)

    response = client.get(url(Tag))

    counts = {tag.name: tag.claim_count for tag in response.context["cl"].result_list}
    assert counts == {"border": 1, "war": 2}
    tag = Tag.objects.get(name="war")
    assert client.post(url(Tag, "change", tag.pk), {"name": "peace"}).status_code == 403
    assert client.post(url(Tag, "delete", tag.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(Tag, "add")).status_code == 403


# --- Claim relations -----------------------------------------------------------------------------


def test_relation_added_in_admin_goes_through_claim_relation_create(client, fact_checker):
    older, newer = ClaimFactory(), ClaimFactory()
    client.force_login(fact_checker)
    data = {"from_claim": newer.pk, "to_claim": older.pk, "kind": "updates", "note": " New figure "}

    assert client.post(url(ClaimRelation, "add"), data).status_code == 302

    relation = ClaimRelation.objects.get()
    assert (relation.kind, relation.note, relation.created_by) == (
        "updates",
        "New figure",
        fact_checker,
    )


def test_symmetric_duplicate_relation_is_a_form_error(client, fact_checker):
    relation = ClaimRelationFactory(kind="contradicts")
    client.force_login(fact_checker)
    data = {
        "from_claim": relation.to_claim_id,
        "to_claim": relation.from_claim_id,
        "kind": "contradicts",
        "note": "",
    }

    response = client.post(url(ClaimRelation, "add"), data)

    assert "already related" in str(response.context["adminform"].form.errors["to_claim"])
    assert ClaimRelation.objects.count() == 1


def test_viewer_cannot_relate_claims(client, viewer):
    client.force_login(viewer)
    assert client.get(url(ClaimRelation, "add")).status_code == 403


def test_relations_are_removed_through_the_bulk_delete(client, fact_checker):
    relations = [ClaimRelationFactory(), ClaimRelationFactory()]
    client.force_login(fact_checker)
    data = {
        "action": "delete_selected",
        "_selected_action": [r.pk for r in relations],
        "post": "yes",
    }

    assert client.post(url(ClaimRelation), data).status_code == 302
    assert not ClaimRelation.objects.exists()


def test_relations_are_not_edited(client, editor):
    relation = ClaimRelationFactory()
    client.force_login(editor)
    data = {
        "from_claim": relation.from_claim_id,
        "to_claim": relation.to_claim_id,
        "kind": "supports",
    }
    assert client.post(url(ClaimRelation, "change", relation.pk), data).status_code == 403
