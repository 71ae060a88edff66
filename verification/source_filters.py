"""Filters for the sources and citations lists. The lists they filter are already limited to the
sources the user may see (``sources_visible_to``), so no filter can reveal a hidden one."""

from __future__ import annotations

import re

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from config.api import IdFilter, StrictBooleanFilter, StrictFilterSet
from sources.canonical import InvalidURL, canonicalize
from sources.filters import domain_or_error, words_q
from sources.models import Citation, Source
from verification.filters import ChoicesFilter


class SourceFilter(StrictFilterSet):
    """``GET /api/v1/sources/?...``."""

    outlet = IdFilter(field_name="outlet_id", help_text="An outlet id.")
    domain = django_filters.CharFilter(
        method="filter_domain", help_text="Sources on this domain or its subdomains."
    )
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices)
    sourcing = django_filters.ChoiceFilter(choices=Source.Sourcing.choices)
    published_after = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="On or after (ISO 8601)."
    )
    published_before = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="lt", help_text="Before (ISO 8601)."
    )
    is_sensitive = StrictBooleanFilter()
    link_status = ChoicesFilter(
        choices=Source.LinkStatus.choices,
        help_text="The link's state at its last re-check (gone, changed, error, alive); repeat "
        "the parameter or separate with commas. Sources never checked match none.",
    )
    url = django_filters.CharFilter(
        method="filter_url",
        help_text="The source's URL in any spelling: http or https, www., tracking parameters, "
        "twitter.com or x.com, t.me/s/...",
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Words in the title, author, URL or summary."
    )

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_domain(self, queryset: QuerySet[Source], name: str, value: str):
        domain = domain_or_error(value, name)
        pattern = rf"^https://([^/]+\.)?{re.escape(domain)}(:[0-9]+)?/"
        return queryset.filter(canonical_url__regex=pattern)

    def filter_url(self, queryset: QuerySet[Source], name: str, value: str):
        try:
            canonical = canonicalize(value)
        except InvalidURL as exc:
            raise ValidationError({name: "Enter an http or https URL."}) from exc
        return queryset.filter(canonical_url=canonical)

    def filter_text(self, queryset: QuerySet[Source], name: str, value: str):
        return queryset.filter(words_q(value, ("title", "author", "url", "summary")))


class CitationFilter(StrictFilterSet):
    """``GET /api/v1/citations/?...``."""

    citing = IdFilter(field_name="citing_id", help_text="The id of the source that cites.")
    cited = IdFilter(field_name="cited_id", help_text="The id of the source cited.")
    kind = django_filters.ChoiceFilter(choices=Citation.Kind.choices)

    class Meta:
        model = Citation
        fields: list[str] = []
