"""The project's URLs plus the bare views the API benchmark compares against (bench only)."""

from django.urls import include, path

from bench import bare_views

urlpatterns = [
    path("bench/bare/claims/", bare_views.claims_list_bare),
    path("bench/bare/claims/<int:claim_id>/", bare_views.claim_detail_bare),
    path("", include("config.urls")),
]
