"""Filters for the claims list: by status and the like, by source in every spelling, and by the
health of the evidence's links."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.text import slugify

from claims.models import Claim
from config.api import IdFilter, StrictBooleanFilter, StrictFilterSet
from sources.canonical import InvalidURL, canonicalize, normalize_domain, normalize_handle
from sources.filters import ChoicesFilter
from sources.models import OutletHandle, Source
from sources.selectors import source_visibility_q
from verification.models import Evidence


class ClaimFilter(StrictFilterSet):
    """``GET /api/v1/claims/?...``. Source filters match evidence from sources the user may see."""

    source = IdFilter(method="filter_source", help_text="A source id.")
    source_url = django_filters.CharFilter(
        method="filter_source_url",
        help_text="A source's URL in any spelling: http or https, www., tracking parameters, "
        "twitter.com or x.com, t.me/s/...",
    )
    domain = django_filters.CharFilter(
        method="filter_domain", help_text="Sources on this domain or its subdomains."
    )
    outlet = IdFilter(method="filter_outlet", help_text="An outlet id.")
    handle = django_filters.CharFilter(
        method="filter_handle",
        help_text="A social handle of the source's outlet: '@name', or 'platform:name' "
        "(x, telegram, facebook, instagram, youtube, tiktok, vk).",
    )
    evidence_link = ChoicesFilter(
        method="filter_evidence_link",
        choices=Source.LinkStatus.choices,
        help_text="Claims with evidence whose source's link was last found in one of these "
        "states (gone, changed, error, alive); repeat the parameter or separate with commas.",
    )
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Claim.Kind.choices)
    claimant = IdFilter(field_name="claimant_id")
    tag = django_filters.CharFilter(
        method="filter_tag", help_text="A tag, as shown or as typed ('Prisoners of war')."
    )
    language = django_filters.CharFilter()
    assignee = IdFilter(field_name="assignee_id")
    needs_review = StrictBooleanFilter(help_text="Flagged for review: true or false.")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    made_after = django_filters.DateFilter(field_name="made_on", lookup_expr="gte")
    made_before = django_filters.DateFilter(field_name="made_on", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_text", help_text="Words in the claim's text.")

    class Meta:
        model = Claim
        fields: list[str] = []

    def _by_sources(self, queryset: QuerySet[Claim], sources: QuerySet[Source]) -> QuerySet[Claim]:
        user = getattr(self.request, "user", None)
        matching = Evidence.objects.filter(
            source_visibility_q(user, prefix="source__"), source__in=sources
        )
        return queryset.filter(pk__in=matching.values("claim_id"))

    def filter_source(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return self._by_sources(queryset, Source.objects.filter(pk=value))

    def filter_source_url(self, queryset: QuerySet[Claim], name: str, value: str):
        try:
            canonical = canonicalize(value)
        except InvalidURL as exc:
            raise ValidationError({name: "Enter an http or https URL."}) from exc
        return self._by_sources(queryset, Source.objects.filter(canonical_url=canonical))

    def filter_domain(self, queryset: QuerySet[Claim], name: str, value: str):
        domain = normalize_domain(value)
        if not domain or "/" in domain or " " in domain:
            raise ValidationError({name: "Enter a domain such as example.com."})
        pattern = rf"^https://([^/]+\.)?{re.escape(domain)}(:[0-9]+)?/"
        return self._by_sources(queryset, Source.objects.filter(canonical_url__regex=pattern))

    def filter_outlet(self, queryset: QuerySet[Claim], name: str, value: Any):
        return self._by_sources(queryset, Source.objects.filter(outlet_id=value))

    def filter_handle(self, queryset: QuerySet[Claim], name: str, value: str):
        platform, _, handle = value.rpartition(":")
        handles = OutletHandle.objects.filter(handle=normalize_handle(handle))
        if platform:
            if platform not in OutletHandle.Platform.values:
                raise ValidationError({name: f"Unknown platform {platform!r}."})
            handles = handles.filter(platform=platform)
        return self._by_sources(
            queryset, Source.objects.filter(outlet__in=handles.values("outlet_id"))
        )

    def filter_evidence_link(self, queryset: QuerySet[Claim], name: str, value: list[str]):
        return self._by_sources(queryset, Source.objects.filter(link_status__in=value))

    def filter_tag(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        # Tags are stored as slugs (claims.services); match what a person would type too.
        slug = slugify(value, allow_unicode=True)[:50]
        return queryset.filter(
            pk__in=Claim.tags.through.objects.filter(tag__name=slug).values("claim_id")
        )

    def filter_text(self, queryset: QuerySet[Claim], name: str, value: str):
        words = value.split()
        condition = Q()
        for word in words[:20]:
            condition &= Q(text__icontains=word)
        return queryset.filter(condition)
