"""The search form: one box, and filters for each half of the results."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from claims.models import Claim
from sources.models import Outlet, Source

SHOW_CHOICES = [("", "Claims and sources"), ("claims", "Claims only"), ("sources", "Sources only")]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search claims and sources",
        required=False,
        max_length=2000,
        help_text="Words, a source's URL (any spelling), a domain such as newsweek.com, or a "
        "channel or account: @name, t.me/name, x.com/name.",
    )
    show = forms.ChoiceField(label="Show", required=False, choices=SHOW_CHOICES)
    status = forms.ChoiceField(
        label="Claim status",
        required=False,
        choices=[("", "Any status"), *Claim.Status.choices],
    )
    source_kind = forms.ChoiceField(
        label="Source kind", required=False, choices=[("", "Any kind"), *Source.Kind.choices]
    )
    outlet = forms.TypedChoiceField(label="Outlet", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        outlets = Outlet.objects.order_by("name", "pk").values_list("pk", "name")
        cast(forms.TypedChoiceField, self.fields["outlet"]).choices = [("", "Any outlet"), *outlets]

    @property
    def has_query(self) -> bool:
        """Anything to search for: words or a filter (``show`` alone only picks the halves)."""
        cleaned = self.cleaned_data
        return any(cleaned.get(name) for name in ("q", "status", "source_kind", "outlet"))
