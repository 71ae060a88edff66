"""Forms of the outlet page: rate it (editors), edit it and add domains or handles
(fact-checkers). The services check the roles again."""

from __future__ import annotations

from typing import Any

from django import forms

from sources.models import Outlet, OutletHandle, ReliabilityRating
from verification.forms.sources import DeskForm


class RatingForm(DeskForm):
    id_prefix = "rating"

    grade = forms.ChoiceField(
        choices=ReliabilityRating.Grade.choices,
        label="Grade",
        help_text="Admiralty scale: A completely reliable … E unreliable, F cannot be judged.",
    )
    rationale = forms.CharField(
        label="Rationale", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    external_reference = forms.CharField(
        label="External reference",
        max_length=500,
        required=False,
        help_text="Optional: a published media rating or other reference backing the grade.",
    )


class OutletEditForm(DeskForm):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(choices=Outlet.Kind.choices, label="Kind")
    country = forms.CharField(
        label="Country", max_length=2, required=False, help_text="Two letters, e.g. UA."
    )
    affiliation = forms.ChoiceField(choices=Outlet.Affiliation.choices, label="Affiliation")
    owner = forms.CharField(
        label="Owner",
        max_length=200,
        required=False,
        help_text="Owner or parent body: outlets with the same owner are not independent voices.",
    )
    party_to = forms.CharField(
        label="Party to",
        max_length=120,
        required=False,
        help_text="The side of the story's conflict this outlet belongs to, if any.",
    )
    description = forms.CharField(
        label="Description",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, outlet: Outlet, **kwargs: Any) -> None:
        initial = {name: getattr(outlet, name) for name in self.base_fields}
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DomainAddForm(DeskForm):
    id_prefix = "domain"

    domain = forms.CharField(
        label="Domain", max_length=253, help_text="e.g. example.com; subdomains belong to it too."
    )


class HandleAddForm(DeskForm):
    id_prefix = "handle"

    platform = forms.ChoiceField(choices=OutletHandle.Platform.choices, label="Platform")
    handle = forms.CharField(label="Handle", max_length=200, help_text="With or without '@'.")
