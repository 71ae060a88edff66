"""The new-claim form: the claim, its claimant (picked or new), a partial date, tags, and an
optional first source by URL with its stance."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from claims.models import Claim, Claimant
from config.validation import collapse_whitespace
from sources.models import Source
from verification.forms.sources import DeskForm
from verification.models import Evidence

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
MAX_TAGS = 30


def parse_partial_date(text: str) -> tuple[date | None, str]:
    """``2025``, ``2025-04`` or ``2025-04-09`` as a date and its precision."""
    text = text.strip()
    if not text:
        return None, Claim.DatePrecision.DAY
    match = _PARTIAL_DATE.match(text)
    if match is None:
        raise ValidationError("Enter YYYY-MM-DD, or YYYY-MM or YYYY.", code="invalid")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        made_on = date(year or 1, month or 1, day or 1)
    except ValueError as exc:
        raise ValidationError("This date does not exist.", code="invalid") from exc
    if day is not None:
        return made_on, Claim.DatePrecision.DAY
    if month is not None:
        return made_on, Claim.DatePrecision.MONTH
    return made_on, Claim.DatePrecision.YEAR


class ClaimCreateForm(DeskForm):
    text = forms.CharField(
        label="Claim",
        max_length=2000,
        help_text="The assertion in one sentence, as made.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(
        choices=Claim.Kind.choices,
        initial=Claim.Kind.FACT,
        label="Kind",
        help_text="A fact is checked for truth; an attribution for whether the claimant said it.",
    )
    claimant = forms.ModelChoiceField(
        queryset=Claimant.objects.order_by("name", "title"),
        required=False,
        label="Existing claimant",
        empty_label="— None, or a new one below —",
    )
    new_claimant = forms.CharField(
        label="Or a new claimant's name",
        max_length=200,
        required=False,
        help_text="A person or body not in the list above.",
    )
    new_claimant_kind = forms.ChoiceField(
        choices=Claimant.Kind.choices, initial=Claimant.Kind.PERSON, label="New claimant's kind"
    )
    made_on = forms.CharField(
        label="Date made",
        max_length=10,
        required=False,
        help_text="YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known.",
    )
    language = forms.CharField(
        label="Language", max_length=16, initial="en", help_text="e.g. en, ru, zh, pt-BR."
    )
    tags = forms.CharField(
        label="Tags", max_length=1000, required=False, help_text="Separated by commas."
    )
    allow_duplicate = forms.BooleanField(
        label="Log it anyway, linked as a duplicate of the existing claim", required=False
    )
    source_url = forms.CharField(
        label="First source's URL",
        max_length=2000,
        required=False,
        help_text="Optional. A page we already have is attached; a new one is logged and archived.",
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    source_kind = forms.ChoiceField(
        choices=Source.Kind.choices,
        initial=Source.Kind.ARTICLE,
        label="Its kind, if new to us",
    )
    stance = forms.ChoiceField(
        choices=Evidence.Stance.choices,
        initial=Evidence.Stance.ASSERTS,
        label="What the source does with the claim",
    )

    def clean_made_on(self) -> tuple[date | None, str]:
        return parse_partial_date(self.cleaned_data["made_on"])

    def clean_tags(self) -> list[str]:
        names = [collapse_whitespace(name) for name in self.cleaned_data["tags"].split(",")]
        names = [name for name in names if name]
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.", code="max_tags")
        if any(len(name) > 50 for name in names):
            raise ValidationError("Keep each tag under 50 characters.", code="max_length")
        return list(dict.fromkeys(names))

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        data["new_claimant"] = collapse_whitespace(data.get("new_claimant") or "")
        if data.get("claimant") is not None and data["new_claimant"]:
            self.add_error(
                "new_claimant", "Pick a claimant from the list or type a new one, not both."
            )
        return data

    def claim_values(self) -> dict[str, Any]:
        """What ``claims.services.claim_create`` takes, but the claimant."""
        made_on, precision = self.cleaned_data["made_on"]
        return {
            "text": self.cleaned_data["text"],
            "kind": self.cleaned_data["kind"],
            "made_on": made_on,
            "made_on_precision": precision,
            "language": self.cleaned_data["language"],
            "tags": self.cleaned_data["tags"],
            "allow_duplicate": self.cleaned_data["allow_duplicate"],
        }
