"""The search form: one box, and filters for each half of the results."""

from __future__ import annotations

from typing import Any

from django import forms

from claims.models import Claim
from sources.models import Outlet, Source
from verification.forms.common import as_id

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
    # A text box with suggestions (htmx fills a datalist), not a <select> of every outlet: at a
    # few thousand outlets the select alone was most of the page.
    outlet = forms.CharField(
        label="Outlet",
        required=False,
        max_length=200,
        help_text="Its name, or #id.",
        widget=forms.TextInput(attrs={"list": "outlet-options", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"

    def clean_outlet(self) -> int | None:
        text = self.cleaned_data["outlet"].strip()
        if not text:
            return None
        outlet_id = as_id(text)
        found = (
            Outlet.objects.filter(pk=outlet_id)
            if outlet_id is not None
            else Outlet.objects.filter(name__iexact=text)
        )
        pk = found.order_by("pk").values_list("pk", flat=True).first()
        if pk is None:
            raise forms.ValidationError(
                "Select a valid choice: no outlet is called that (type part of its name and pick "
                "one of the suggestions, or give its #id).",
                code="invalid_choice",
            )
        return pk

    @property
    def has_query(self) -> bool:
        """Anything to search for: words or a filter (``show`` alone only picks the halves)."""
        cleaned = self.cleaned_data
        return any(cleaned.get(name) for name in ("q", "status", "source_kind", "outlet"))
