"""Filters for the outlets, sources and citations lists. The source and citation lists they filter
are already limited to what the user may see (``sources.selectors``), so no filter can reveal a
hidden source."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters.fields import MultipleChoiceField

from config.api import IdFilter, StrictBooleanFilter, StrictFilterSet
from sources.canonical import InvalidURL, canonicalize, normalize_domain, normalize_handle
from sources.models import Citation, Outlet, OutletDomain, OutletHandle, Source


def words_q(value: str, fields: tuple[str, ...]) -> Q:
    """Every word (at most 20) in at least one of ``fields``, case-insensitively."""
    condition = Q()
    for word in value.split()[:20]:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


def domain_or_error(value: str, name: str) -> str:
    """A bare domain from user input, or a ValidationError naming the parameter."""
    domain = normalize_domain(value)
    if not domain or "/" in domain or " " in domain:
        raise ValidationError({name: "Enter a domain such as example.com."})
    return domain


class OutletFilter(StrictFilterSet):
    """``GET /api/v1/outlets/?...``."""

    kind = django_filters.ChoiceFilter(choices=Outlet.Kind.choices)
    affiliation = django_filters.ChoiceFilter(choices=Outlet.Affiliation.choices)
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO 3166-1 alpha-2 code, e.g. UA."
    )
    domain = django_filters.CharFilter(
        method="filter_domain", help_text="Outlets owning this domain or one of its subdomains."
    )
    handle = django_filters.CharFilter(
        method="filter_handle",
        help_text="A social handle the outlet owns: '@name', or 'platform:name' "
        "(x, telegram, facebook, instagram, youtube, tiktok, vk).",
    )
    q = django_filters.CharFilter(method="filter_text", help_text="Words in the outlet's name.")

    class Meta:
        model = Outlet
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet[Outlet], name: str, value: str):
        country = value.strip().upper()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise ValidationError({name: "Enter a two-letter country code such as UA."})
        return queryset.filter(country=country)

    def filter_domain(self, queryset: QuerySet[Outlet], name: str, value: str):
        domain = domain_or_error(value, name)
        owned = OutletDomain.objects.filter(
            Q(domain=domain) | Q(domain__endswith=f".{domain}")
        ).values("outlet_id")
        return queryset.filter(pk__in=owned)

    def filter_handle(self, queryset: QuerySet[Outlet], name: str, value: str):
        platform, _, handle = value.rpartition(":")
        handles = OutletHandle.objects.filter(handle=normalize_handle(handle))
        if platform:
            if platform not in OutletHandle.Platform.values:
                raise ValidationError({name: f"Unknown platform {platform!r}."})
            handles = handles.filter(platform=platform)
        return queryset.filter(pk__in=handles.values("outlet_id"))

    def filter_text(self, queryset: QuerySet[Outlet], name: str, value: str):
        return queryset.filter(words_q(value, ("name",)))


class _CommaSeparatedChoiceField(MultipleChoiceField):
    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more choices, repeated (``?x=a&x=b``) or comma-separated (``?x=a,b``); an unknown
    one is a 400 naming the parameter."""

    field_class = _CommaSeparatedChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)  # a plain column: no join to de-duplicate
        super().__init__(*args, **kwargs)


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
