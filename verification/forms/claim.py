"""Forms of the claim page: change status, add evidence, relate claims, assign, publish.

Every form carries the claim's version as its author saw it (``version``, hidden): the services
refuse a stale one, so two people never overwrite each other. Forms only parse and shape input;
the services decide (roles, the workflow table, four eyes, duplicates).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Q

from claims.models import Claim, ClaimRelation
from config.api import MAX_ID
from config.roles import Role
from sources.models import Source
from sources.selectors import sources_visible_to
from verification.models import Evidence
from verification.selectors import User

UNASSIGN = "none"


class ClaimVersionForm(forms.Form):
    """The version of the claim the form was rendered from."""

    # Keyword arguments a subclass needs besides the data (the user, the people to choose from).
    extra_kwargs: tuple[str, ...] = ()

    version = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={"required": "The form lacks the claim's version: reload the page."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extra = {key: kwargs.pop(key) for key in self.extra_kwargs if key in kwargs}
        super().__init__(*args, **kwargs)

    def with_version(self, version: int) -> ClaimVersionForm:
        """The same input, now carrying ``version``: after a conflict the user sees the other
        change, and submitting again is a decision taken with it in view."""
        data = self.data.copy()
        data["version"] = str(version)
        return type(self)(data, **self.extra)


class StatusChangeForm(ClaimVersionForm):
    # Every status is accepted here: the workflow table (in the service) says which move is
    # allowed, after checking the version, so a stale form is a conflict, not a bad choice.
    to_status = forms.ChoiceField(label="New status", choices=Claim.Status.choices)
    rationale = forms.CharField(label="Rationale", max_length=5000, widget=forms.Textarea)


class EvidenceAddForm(ClaimVersionForm):
    """A source picked from the suggestions (``source``) or a pasted URL (``url``), and what it
    says about the claim."""

    extra_kwargs = ("user",)

    source = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label="Source")
    url = forms.CharField(required=False, max_length=2000, label="Or paste the source's URL")
    source_kind = forms.ChoiceField(
        required=False,
        label="Kind of new source",
        choices=[("", "Work it out from the URL"), *Source.Kind.choices],
    )
    source_title = forms.CharField(required=False, max_length=500, label="Title of new source")
    stance = forms.ChoiceField(
        label="Stance", choices=[("", "Choose a stance"), *Evidence.Stance.choices]
    )
    credibility = forms.TypedChoiceField(
        label="Credibility",
        coerce=int,
        choices=Evidence.Credibility.choices,
        initial=Evidence.Credibility.CANNOT_JUDGE,
    )
    quote = forms.CharField(required=False, max_length=10000, label="Quote", widget=forms.Textarea)
    quote_language = forms.CharField(required=False, max_length=16, label="Quote language")
    translation = forms.CharField(
        required=False, max_length=10000, label="Translation", widget=forms.Textarea
    )
    note = forms.CharField(
        required=False, max_length=5000, label="Evidence note", widget=forms.Textarea
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        source_id, url = data.get("source"), (data.get("url") or "").strip()
        data["url"] = url
        data["source_obj"] = None
        if "source" in self.errors or "url" in self.errors:
            return data
        if source_id and url:
            self.add_error("url", "Pick a source or paste a URL, not both.")
        elif not source_id and not url:
            self.add_error("url", "Pick a source from the search, or paste its URL.")
        elif source_id:
            found = sources_visible_to(user=self.extra["user"]).filter(pk=source_id).first()
            if found is None:
                self.add_error("source", "No such source.")
            data["source_obj"] = found
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            field: data[field]
            for field in ("stance", "credibility", "quote", "quote_language", "translation", "note")
        }


class RelateForm(ClaimVersionForm):
    to_claim = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        label="Claim",
        error_messages={"required": "Pick the claim to relate this one to (search above)."},
    )
    kind = forms.ChoiceField(
        label="Kind of relation", choices=[("", "Choose a relation"), *ClaimRelation.Kind.choices]
    )
    note = forms.CharField(
        required=False, max_length=2000, label="Relation note", widget=forms.Textarea
    )

    def clean_to_claim(self) -> Claim:
        found = Claim.objects.filter(pk=self.cleaned_data["to_claim"]).first()
        if found is None:
            raise ValidationError("No such claim.", code="does_not_exist")
        return found


class AssignForm(ClaimVersionForm):
    """``assignee``: a user id among the fact-checkers and editors, or ``none`` (unassign)."""

    extra_kwargs = ("candidates",)

    assignee = forms.ChoiceField(label="Assign to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people: dict[str, AbstractBaseUser] = {
            str(user.pk): user for user in self.extra["candidates"]
        }
        self.fields["assignee"].choices = [
            (UNASSIGN, "Nobody (unassign)"),
            *((pk, user.get_username()) for pk, user in self.people.items()),
        ]

    def clean_assignee(self) -> AbstractBaseUser | None:
        value = self.cleaned_data["assignee"]
        return None if value == UNASSIGN else self.people[value]


class PublishForm(ClaimVersionForm):
    public_summary = forms.CharField(label="Public summary", max_length=5000, widget=forms.Textarea)
    reason = forms.CharField(
        required=False,
        max_length=5000,
        label="Correction note (optional)",
        widget=forms.Textarea,
        help_text="Why, when this publication corrects an earlier one.",
    )


class UnpublishForm(ClaimVersionForm):
    reason = forms.CharField(
        label="Reason for unpublishing", max_length=5000, widget=forms.Textarea
    )


def assign_candidates(user: User) -> list[AbstractBaseUser]:
    """Whom a claim can be assigned to: the signed-in user first, then every other fact-checker
    and editor (and operator), by name."""
    people = list(
        get_user_model()
        .objects.filter(
            Q(groups__name__in=[Role.FACT_CHECKER.group_name, Role.EDITOR.group_name])
            | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )
    return sorted(people, key=lambda person: person.pk != user.pk)
