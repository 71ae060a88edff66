"""Filters for the claimants list."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet

from claims.models import Claimant
from config.api import StrictFilterSet


class ClaimantFilter(StrictFilterSet):
    """``GET /api/v1/claimants/?...``"""

    kind = django_filters.ChoiceFilter(choices=Claimant.Kind.choices)
    country = django_filters.CharFilter(
        method="filter_country",
        validators=[
            RegexValidator(r"^[A-Za-z]{2}$", message="Enter a two-letter country code such as UA.")
        ],
        help_text="Two-letter country code, e.g. UA.",
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Words in the name, title or affiliation."
    )

    class Meta:
        model = Claimant
        fields: list[str] = []

    def filter_country(
        self, queryset: QuerySet[Claimant], name: str, value: str
    ) -> QuerySet[Claimant]:
        return queryset.filter(country=value.upper())

    def filter_text(
        self, queryset: QuerySet[Claimant], name: str, value: str
    ) -> QuerySet[Claimant]:
        condition = Q()
        for word in value.split()[:20]:
            condition &= (
                Q(name__icontains=word) | Q(title__icontains=word) | Q(affiliation__icontains=word)
            )
        return queryset.filter(condition)
