"""Filters for the outlets list."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from config.api import StrictFilterSet
from sources.canonical import normalize_domain, normalize_handle
from sources.models import Outlet, OutletDomain, OutletHandle


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
