"""Every write to claimants, claims and claim relations, through the services, on the real DB."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Claim, Claimant, ClaimRelation, Tag
from claims.services import (
    StaleVersionError,
    claim_create,
    claim_relation_create,
    claim_relation_delete,
    claim_text_hash,
    claim_update,
    claimant_create,
    claimant_update,
)
from tests.factories import ClaimantFactory, ClaimFactory, ClaimRelationFactory, row_counts

pytestmark = pytest.mark.django_db

TEXT = "At least 155 Chinese citizens are fighting in the Russian army."


def error_code(exc: ValidationError, field: str) -> str | None:
    return exc.error_dict[field][0].code


def set_verdict(claim: Claim, status: str = Claim.Status.VERIFIED) -> None:
    # Status belongs to the verification workflow; the test sets it directly.
    Claim.objects.filter(pk=claim.pk).update(status=status)


# --- claimant_create / claimant_update -------------------------------------------------------


def test_claimant_create_stores_collapsed_names_and_an_upper_case_country(viewer):
    claimant = claimant_create(
        actor=viewer,
        name="  Volodymyr   Zelensky ",
        title="President\nof Ukraine",
        affiliation=" Office of the President ",
        country=" ua ",
    )
    claimant.refresh_from_db()
    assert (claimant.name, claimant.title, claimant.affiliation, claimant.country) == (
        "Volodymyr Zelensky",
        "President of Ukraine",
        "Office of the President",
        "UA",
    )
    assert claimant.kind == Claimant.Kind.PERSON


@pytest.mark.parametrize("role", ["outsider", "anonymous"])
def test_claimant_create_without_a_newsroom_role_is_refused_and_writes_nothing(request, role):
    actor = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        claimant_create(actor=actor, name="Jane Doe")
    assert not Claimant.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": " \t\n "}, "name"),
        ({"name": "Jane\x00Doe"}, "name"),
        ({"name": "Jane\x07"}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"kind": "robot"}, "kind"),
        ({"title": "t" * 201}, "title"),
        ({"title": "\x1b[1m"}, "title"),
        ({"affiliation": "a" * 201}, "affiliation"),
        ({"country": "Ukraine"}, "country"),
        ({"country": "1"}, "country"),
    ],
)
def test_claimant_create_with_bad_input_is_refused_per_field_and_writes_nothing(
    viewer, kwargs, field
):
    with pytest.raises(ValidationError) as exc:
        claimant_create(actor=viewer, **{"name": "Jane Doe", **kwargs})
    assert field in exc.value.message_dict
    assert not Claimant.objects.exists()


def test_claimant_create_of_an_existing_name_and_title_is_refused(viewer):
    ClaimantFactory(name="Jane Doe", title="Spokesperson")
    with pytest.raises(ValidationError):
        claimant_create(actor=viewer, name="Jane  Doe", title=" Spokesperson")
    assert Claimant.objects.count() == 1


def test_claimant_update_changes_the_given_fields(viewer):
    claimant = ClaimantFactory(name="Jane Doe")
    claimant_update(claimant=claimant, actor=viewer, title="  Foreign   Minister ")
    claimant.refresh_from_db()
    assert claimant.title == "Foreign Minister"


def test_claimant_update_without_a_newsroom_role_is_refused(outsider):
    claimant = ClaimantFactory(name="Jane Doe")
    with pytest.raises(PermissionDenied):
        claimant_update(claimant=claimant, actor=outsider, name="John Doe")
    claimant.refresh_from_db()
    assert claimant.name == "Jane Doe"


def test_claimant_update_of_fields_it_does_not_edit_is_refused_per_field(viewer):
    claimant = ClaimantFactory(name="Jane Doe")
    with pytest.raises(ValidationError) as exc:
        claimant_update(claimant=claimant, actor=viewer, name="John", id=5, created_at=None)
    assert set(exc.value.message_dict) == {"id", "created_at"}
    claimant.refresh_from_db()
    assert claimant.name == "Jane Doe"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"kind": "robot"}, "kind"),
        ({"country": "ukr"}, "country"),
    ],
)
def test_claimant_update_with_bad_input_is_refused_per_field(viewer, changes, field):
    claimant = ClaimantFactory(name="Jane Doe")
    with pytest.raises(ValidationError) as exc:
        claimant_update(claimant=claimant, actor=viewer, **changes)
    assert field in exc.value.message_dict
    fresh = Claimant.objects.get(pk=claimant.pk)
    assert (fresh.name, fresh.kind, fresh.country) == ("Jane Doe", "person", "")


# --- claim_create ----------------------------------------------------------------------------


def test_claim_create_normalizes_whitespace_and_stores_the_text_hash(viewer):
    claim = claim_create(actor=viewer, text="  At least 155\n Chinese citizens\tare fighting.  ")
    claim.refresh_from_db()
    assert claim.text == "At least 155 Chinese citizens are fighting."
    assert claim.text_hash == claim_text_hash(text=claim.text, kind=Claim.Kind.FACT)
    assert len(claim.text_hash) == 64
    assert (claim.status, claim.version, claim.needs_review) == ("unverified", 1, False)
    assert (claim.created_by, claim.kind, claim.language) == (viewer, "fact", "en")


def test_claim_create_stores_the_unicode_composed_form(viewer):
    claim = claim_create(actor=viewer, text="Cafe\u0301 owners were detained.")
    assert claim.text == "Caf\u00e9 owners were detained."


@pytest.mark.parametrize(
    "spelling",
    [
        TEXT,
        TEXT.upper(),
        TEXT.lower(),
        "  " + TEXT.replace(" ", "   ") + "  ",
        TEXT.replace(" ", "\n"),
        TEXT.rstrip("."),
        TEXT.rstrip(".") + "!",
        TEXT.rstrip(".") + "...",
        TEXT.rstrip(".") + " .",
        TEXT.rstrip(".") + "…",
    ],
)
def test_exact_duplicate_claim_is_refused_on_text_and_writes_nothing(viewer, spelling):
    existing = claim_create(actor=viewer, text=TEXT)
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        claim_create(actor=viewer, text=spelling, tags=["wagner"])
    assert error_code(exc.value, "text") == "duplicate"
    assert f"#{existing.pk}" in exc.value.message_dict["text"][0]
    assert row_counts() == before


def test_exact_duplicate_allowed_is_created_and_linked_to_the_original(viewer):
    original = claim_create(actor=viewer, text=TEXT)
    duplicate = claim_create(actor=viewer, text=TEXT.upper(), allow_duplicate=True)
    assert duplicate.pk != original.pk
    assert duplicate.text_hash == original.text_hash
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim, relation.to_claim, relation.kind) == (
        duplicate,
        original,
        ClaimRelation.Kind.DUPLICATES,
    )
    assert relation.created_by == viewer


def test_claim_create_with_allow_duplicate_but_no_duplicate_adds_no_relation(viewer):
    claim_create(actor=viewer, text=TEXT, allow_duplicate=True)
    assert not ClaimRelation.objects.exists()


def test_same_sentence_as_attribution_and_as_fact_are_two_claims(viewer):
    claimant = ClaimantFactory()
    fact = claim_create(actor=viewer, text=TEXT)
    attribution = claim_create(
        actor=viewer, text=TEXT, kind=Claim.Kind.ATTRIBUTION, claimant=claimant
    )
    assert fact.text_hash != attribution.text_hash
    assert not ClaimRelation.objects.exists()


def test_claims_differing_in_a_figure_are_not_duplicates(viewer):
    claim_create(actor=viewer, text=TEXT)
    claim_create(actor=viewer, text=TEXT.replace("155", "156"))
    assert Claim.objects.count() == 2


@pytest.mark.parametrize(
    ("made_on", "precision", "stored", "shown"),
    [
        (date(2024, 4, 17), Claim.DatePrecision.DAY, date(2024, 4, 17), "2024-04-17"),
        (date(2024, 4, 17), Claim.DatePrecision.MONTH, date(2024, 4, 1), "2024-04"),
        (date(2024, 4, 17), Claim.DatePrecision.YEAR, date(2024, 1, 1), "2024"),
        (None, Claim.DatePrecision.MONTH, None, ""),
    ],
)
def test_partial_date_is_stored_as_its_first_day(viewer, made_on, precision, stored, shown):
    claim = claim_create(actor=viewer, text=TEXT, made_on=made_on, made_on_precision=precision)
    claim.refresh_from_db()
    assert claim.made_on == stored
    assert claim.made_on_display == shown


def test_claim_create_makes_tags_from_names_and_reuses_existing_ones(viewer):
    existing = Tag.objects.create(name="russia-ukraine-war")
    claim = claim_create(
        actor=viewer, text=TEXT, tags=["Russia Ukraine War", "  Mercenaries! ", "Россия"]
    )
    assert sorted(claim.tags.values_list("name", flat=True)) == [
        "mercenaries",
        "russia-ukraine-war",
        "россия",
    ]
    assert claim.tags.get(name="russia-ukraine-war") == existing
    assert Tag.objects.count() == 3


@pytest.mark.parametrize("name", ["!!!", "   ", ""])
def test_claim_create_with_a_tag_without_letters_is_refused_and_writes_nothing(viewer, name):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        claim_create(actor=viewer, text=TEXT, tags=["fine", name])
    assert "tags" in exc.value.message_dict
    assert row_counts() == before


@pytest.mark.parametrize("role", ["outsider", "anonymous"])
def test_claim_create_without_a_newsroom_role_is_refused_and_writes_nothing(request, role):
    actor = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    before = row_counts()
    with pytest.raises(PermissionDenied):
        claim_create(actor=actor, text=TEXT, tags=["wagner"])
    assert row_counts() == before


BAD_CLAIM_INPUT = [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "\n\t \r\n"}, "text"),
    ({"text": "x" * 2001}, "text"),
    ({"text": "Two were\x00 killed."}, "text"),
    ({"text": "Two were killed.\x07"}, "text"),
    ({"text": "\x1b[31mTwo were killed."}, "text"),
    ({"text": "Two were killed.\x7f"}, "text"),
    ({"kind": "opinion"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"kind": Claim.Kind.ATTRIBUTION}, "claimant"),
    ({"made_on_precision": "week"}, "made_on_precision"),
    ({"made_on_precision": ""}, "made_on_precision"),
    ({"language": "english"}, "language"),
    ({"language": ""}, "language"),
    ({"language": "e\x00"}, "language"),
]


def test_claim_text_at_the_length_limit_is_accepted(viewer):
    claim = claim_create(actor=viewer, text="x" * 2000)
    assert len(claim.text) == 2000


@pytest.mark.parametrize(("kwargs", "field"), BAD_CLAIM_INPUT)
def test_claim_create_with_bad_input_is_refused_per_field_and_writes_nothing(viewer, kwargs, field):
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        claim_create(actor=viewer, **{"text": TEXT, "tags": ["wagner"], **kwargs})
    assert field in exc.value.message_dict
    assert row_counts() == before


# --- claim_update ----------------------------------------------------------------------------


def test_claim_update_changes_the_claim_and_bumps_its_version(viewer):
    claim = claim_create(actor=viewer, text=TEXT)
    updated = claim_update(
        claim=claim, actor=viewer, expected_version=1, text="  At least 160   are fighting. "
    )
    assert updated.version == 2
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("At least 160 are fighting.", 2)
    assert claim.text_hash == claim_text_hash(text="At least 160 are fighting.", kind="fact")


def test_every_edit_bumps_the_version_even_without_a_change_of_meaning(viewer):
    claim = claim_create(actor=viewer, text=TEXT)
    claim_update(claim=claim, actor=viewer, expected_version=1, language="uk")
    claim_update(claim=claim, actor=viewer, expected_version=2, tags=["wagner"])
    claim.refresh_from_db()
    assert (claim.version, claim.language) == (3, "uk")
    assert list(claim.tags.values_list("name", flat=True)) == ["wagner"]


def test_claim_update_replaces_the_tags(viewer):
    claim = claim_create(actor=viewer, text=TEXT, tags=["old", "kept"])
    claim_update(claim=claim, actor=viewer, expected_version=1, tags=["Kept", "New"])
    assert sorted(claim.tags.values_list("name", flat=True)) == ["kept", "new"]


def test_claim_update_stores_a_partial_date_as_its_first_day(viewer):
    claim = claim_create(actor=viewer, text=TEXT, made_on=date(2024, 4, 17))
    claim_update(
        claim=claim,
        actor=viewer,
        expected_version=1,
        made_on_precision=Claim.DatePrecision.YEAR,
    )
    claim.refresh_from_db()
    assert (claim.made_on, claim.made_on_display) == (date(2024, 1, 1), "2024")


def test_claim_update_with_a_stale_version_is_refused_with_the_current_claim(viewer, fact_checker):
    claim = claim_create(actor=viewer, text=TEXT)
    loaded_by_viewer = Claim.objects.get(pk=claim.pk)
    claim_update(claim=claim, actor=fact_checker, expected_version=1, text="First edit.")

    with pytest.raises(StaleVersionError) as exc:
        claim_update(
            claim=loaded_by_viewer,
            actor=viewer,
            expected_version=1,
            text="Second edit.",
            tags=["lost"],
        )
    assert exc.value.expected_version == 1
    assert (exc.value.current.pk, exc.value.current.version) == (claim.pk, 2)
    assert exc.value.current.text == "First edit."

    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.text, fresh.version) == ("First edit.", 2)
    assert not fresh.tags.exists()
    assert not Tag.objects.filter(name="lost").exists()


def test_claim_update_with_a_version_from_the_future_is_refused(viewer):
    claim = claim_create(actor=viewer, text=TEXT)
    with pytest.raises(StaleVersionError):
        claim_update(claim=claim, actor=viewer, expected_version=2, text="Edit.")
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_viewer_may_edit_own_claim(viewer):
    claim = ClaimFactory(created_by=viewer)
    claim_update(claim=claim, actor=viewer, expected_version=1, text="Own edit.")
    assert Claim.objects.get(pk=claim.pk).text == "Own edit."


def test_viewer_may_not_edit_someone_elses_claim(viewer, fact_checker):
    claim = ClaimFactory(created_by=fact_checker, text=TEXT)
    with pytest.raises(PermissionDenied):
        claim_update(claim=claim, actor=viewer, expected_version=1, text="Not mine.")
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.text, fresh.version) == (TEXT, 1)


@pytest.mark.parametrize("role", ["fact_checker", "other_fact_checker", "editor"])
def test_fact_checker_or_editor_may_edit_someone_elses_claim(request, viewer, role):
    claim = ClaimFactory(created_by=viewer)
    claim_update(
        claim=claim, actor=request.getfixturevalue(role), expected_version=1, text="Fixed."
    )
    assert Claim.objects.get(pk=claim.pk).text == "Fixed."


def test_author_without_a_newsroom_role_may_not_edit_own_claim(outsider):
    claim = ClaimFactory(created_by=outsider, text=TEXT)
    with pytest.raises(PermissionDenied):
        claim_update(claim=claim, actor=outsider, expected_version=1, text="Edit.")
    assert Claim.objects.get(pk=claim.pk).text == TEXT


@pytest.mark.parametrize(
    "changes",
    [
        {"text": "A different wording of it."},
        {"kind": Claim.Kind.ATTRIBUTION},
        {"claimant": "new"},
    ],
    ids=["text", "kind", "claimant"],
)
def test_changing_what_a_claim_with_a_verdict_says_flags_it_for_review(viewer, changes):
    claim = claim_create(actor=viewer, text=TEXT, claimant=ClaimantFactory())
    set_verdict(claim)
    if changes.get("claimant") == "new":
        changes = {"claimant": ClaimantFactory()}
    claim_update(claim=claim, actor=viewer, expected_version=1, **changes)
    claim.refresh_from_db()
    assert claim.needs_review
    assert (claim.status, claim.version) == (Claim.Status.VERIFIED, 2)


@pytest.mark.parametrize(
    "changes",
    [
        {"language": "uk"},
        {"tags": ["wagner"]},
        {"made_on": date(2024, 4, 17)},
        {"text": "  " + TEXT.replace(" ", "  ")},
        {"kind": Claim.Kind.FACT},
    ],
    ids=["language", "tags", "made_on", "same-text-respaced", "same-kind"],
)
def test_edit_that_does_not_change_what_a_verdict_claim_says_does_not_flag_it(viewer, changes):
    claim = claim_create(actor=viewer, text=TEXT)
    set_verdict(claim, Claim.Status.FALSE)
    claim_update(claim=claim, actor=viewer, expected_version=1, **changes)
    claim.refresh_from_db()
    assert not claim.needs_review
    assert claim.version == 2


@pytest.mark.parametrize("status", [Claim.Status.UNVERIFIED, Claim.Status.IN_REVIEW])
def test_changing_the_text_of_a_claim_without_verdict_does_not_flag_it(viewer, status):
    claim = claim_create(actor=viewer, text=TEXT)
    set_verdict(claim, status)
    claim_update(claim=claim, actor=viewer, expected_version=1, text="New wording.")
    claim.refresh_from_db()
    assert not claim.needs_review


def test_claim_update_of_fields_it_does_not_edit_is_refused_per_field(fact_checker):
    claim = ClaimFactory(created_by=fact_checker, text=TEXT)
    with pytest.raises(ValidationError) as exc:
        claim_update(
            claim=claim,
            actor=fact_checker,
            expected_version=1,
            text="Sneaky edit.",
            status=Claim.Status.VERIFIED,
            needs_review=True,
            version=9,
            text_hash="0" * 64,
            created_by=None,
        )
    assert set(exc.value.message_dict) == {
        "status",
        "needs_review",
        "version",
        "text_hash",
        "created_by",
    }
    assert all(error_code(exc.value, field) == "not_editable" for field in exc.value.error_dict)
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.text, fresh.status, fresh.version) == (TEXT, "unverified", 1)


def test_claim_update_into_a_duplicate_of_another_claim_is_refused(viewer):
    other = claim_create(actor=viewer, text=TEXT)
    claim = claim_create(actor=viewer, text="Two were killed.")
    with pytest.raises(ValidationError) as exc:
        claim_update(claim=claim, actor=viewer, expected_version=1, text=TEXT.upper())
    assert error_code(exc.value, "text") == "duplicate"
    assert f"#{other.pk}" in exc.value.message_dict["text"][0]
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.text, fresh.version) == ("Two were killed.", 1)


@pytest.mark.parametrize(("changes", "field"), [*BAD_CLAIM_INPUT, ({"tags": ["!!!"]}, "tags")])
def test_claim_update_with_bad_input_is_refused_per_field_and_writes_nothing(
    viewer, changes, field
):
    claim = claim_create(actor=viewer, text=TEXT, tags=["kept"])
    before = row_counts()
    with pytest.raises(ValidationError) as exc:
        claim_update(claim=claim, actor=viewer, expected_version=1, **changes)
    assert field in exc.value.message_dict
    assert row_counts() == before
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.text, fresh.kind, fresh.language, fresh.version) == (TEXT, "fact", "en", 1)
    assert list(fresh.tags.values_list("name", flat=True)) == ["kept"]


# --- claim_relation_create / claim_relation_delete -------------------------------------------


def test_claim_relation_create_relates_two_claims(fact_checker):
    older, newer = ClaimFactory(), ClaimFactory()
    relation = claim_relation_create(
        actor=fact_checker,
        from_claim=newer,
        to_claim=older,
        kind=ClaimRelation.Kind.UPDATES,
        note="  Newer figure from the ministry.  ",
    )
    relation.refresh_from_db()
    assert (relation.from_claim, relation.to_claim, relation.kind) == (newer, older, "updates")
    assert (relation.note, relation.created_by) == ("Newer figure from the ministry.", fact_checker)


def test_claim_related_to_itself_is_refused(fact_checker):
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as exc:
        claim_relation_create(
            actor=fact_checker, from_claim=claim, to_claim=claim, kind="contradicts"
        )
    assert "to_claim" in exc.value.message_dict
    assert not ClaimRelation.objects.exists()


@pytest.mark.parametrize("kind", ClaimRelation.Kind.values)
def test_same_relation_twice_is_refused_as_duplicate(fact_checker, kind):
    one, two = ClaimFactory(), ClaimFactory()
    claim_relation_create(actor=fact_checker, from_claim=one, to_claim=two, kind=kind)
    with pytest.raises(ValidationError) as exc:
        claim_relation_create(actor=fact_checker, from_claim=one, to_claim=two, kind=kind)
    assert error_code(exc.value, "to_claim") == "duplicate"
    assert ClaimRelation.objects.count() == 1


@pytest.mark.parametrize("kind", [ClaimRelation.Kind.CONTRADICTS, ClaimRelation.Kind.DUPLICATES])
def test_symmetric_relation_in_reverse_is_refused_as_duplicate(fact_checker, kind):
    one, two = ClaimFactory(), ClaimFactory()
    claim_relation_create(actor=fact_checker, from_claim=one, to_claim=two, kind=kind)
    with pytest.raises(ValidationError) as exc:
        claim_relation_create(actor=fact_checker, from_claim=two, to_claim=one, kind=kind)
    assert error_code(exc.value, "to_claim") == "duplicate"
    assert ClaimRelation.objects.count() == 1


@pytest.mark.parametrize("kind", [ClaimRelation.Kind.UPDATES, ClaimRelation.Kind.SUPPORTS])
def test_directional_relation_may_be_recorded_both_ways(fact_checker, kind):
    one, two = ClaimFactory(), ClaimFactory()
    claim_relation_create(actor=fact_checker, from_claim=one, to_claim=two, kind=kind)
    claim_relation_create(actor=fact_checker, from_claim=two, to_claim=one, kind=kind)
    assert ClaimRelation.objects.filter(kind=kind).count() == 2


def test_duplicate_link_made_by_claim_create_blocks_a_reverse_duplicates_relation(
    viewer, fact_checker
):
    original = claim_create(actor=viewer, text=TEXT)
    copy = claim_create(actor=viewer, text=TEXT.lower(), allow_duplicate=True)
    with pytest.raises(ValidationError):
        claim_relation_create(
            actor=fact_checker, from_claim=original, to_claim=copy, kind="duplicates"
        )
    assert ClaimRelation.objects.count() == 1


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_claim_relation_create_below_fact_checker_is_refused_and_writes_nothing(request, role):
    with pytest.raises(PermissionDenied):
        claim_relation_create(
            actor=request.getfixturevalue(role),
            from_claim=ClaimFactory(),
            to_claim=ClaimFactory(),
            kind="contradicts",
        )
    assert not ClaimRelation.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "refutes"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"note": "n" * 2001}, "note"),
        ({"note": "bad\x00note"}, "note"),
        ({"note": "\x1b"}, "note"),
    ],
)
def test_claim_relation_create_with_bad_input_is_refused_per_field(fact_checker, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        claim_relation_create(
            actor=fact_checker,
            from_claim=ClaimFactory(),
            to_claim=ClaimFactory(),
            **{"kind": "supports", **kwargs},
        )
    assert field in exc.value.message_dict
    assert not ClaimRelation.objects.exists()


def test_claim_relation_delete_removes_the_relation(fact_checker):
    relation = ClaimRelationFactory()
    claim_relation_delete(relation=relation, actor=fact_checker)
    assert not ClaimRelation.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_claim_relation_delete_below_fact_checker_is_refused(request, role):
    relation = ClaimRelationFactory()
    with pytest.raises(PermissionDenied):
        claim_relation_delete(relation=relation, actor=request.getfixturevalue(role))
    assert ClaimRelation.objects.filter(pk=relation.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_adding_the_same_claimant_at_once_get_one_row_and_a_field_error(
    viewer, fact_checker
):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add(actor) -> None:
        try:
            barrier.wait(timeout=10)
            claimant_create(actor=actor, name="Lin Jian", title="Spokesperson")
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(",".join(exc.message_dict))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(user,)) for user in (viewer, fact_checker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["created", "name"]
    assert Claimant.objects.filter(name="Lin Jian").count() == 1
