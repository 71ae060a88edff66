"""The web UI's pages. Every page needs a signed-in newsroom role; POSTs go through services."""

from django.urls import path

from verification.views import auth, queue, search
from verification.views import claim as claim_views
from verification.views import create as create_views
from verification.views import outlets as outlet_views
from verification.views import sources as source_views

app_name = "web"

urlpatterns = [
    path("", queue.home, name="home"),
    path("signin/", auth.SignInView.as_view(), name="signin"),
    path("signout/", auth.SignOutView.as_view(), name="signout"),
    path("queue/", queue.queue, name="queue"),
    path("search/", search.search, name="search"),
    # The claim page and its actions.
    path("claims/<int:claim_id>/", claim_views.claim_detail, name="claim-detail"),
    path("claims/<int:claim_id>/status/", claim_views.claim_status, name="claim-status"),
    path("claims/<int:claim_id>/evidence/", claim_views.claim_evidence_add, name="claim-evidence"),
    path("claims/<int:claim_id>/relations/", claim_views.claim_relate, name="claim-relate"),
    path("claims/<int:claim_id>/assignment/", claim_views.claim_assignment, name="claim-assign"),
    path("claims/<int:claim_id>/publish/", claim_views.claim_publish, name="claim-publish"),
    path("claims/<int:claim_id>/unpublish/", claim_views.claim_unpublish, name="claim-unpublish"),
    path(
        "claims/<int:claim_id>/source-picker/",
        claim_views.source_picker,
        name="claim-source-picker",
    ),
    path(
        "claims/<int:claim_id>/claim-picker/", claim_views.claim_picker, name="claim-claim-picker"
    ),
    # Source and outlet pages, new claim and new source.
    path("claims/new/", create_views.claim_new, name="claim-new"),
    path("sources/new/", create_views.source_new, name="source-new"),
    path("sources/<int:source_id>/", source_views.source_detail, name="source-detail"),
    path("sources/<int:source_id>/edit/", source_views.source_edit, name="source-edit"),
    path("sources/<int:source_id>/capture/", source_views.source_capture, name="source-capture"),
    path(
        "sources/<int:source_id>/link-check/",
        source_views.source_check_link,
        name="source-link-check",
    ),
    path(
        "sources/<int:source_id>/citations/",
        source_views.source_citation_add,
        name="source-citation-add",
    ),
    path(
        "sources/<int:source_id>/citations/candidates/",
        source_views.source_citation_candidates,
        name="source-citation-candidates",
    ),
    path("sources/<int:source_id>/upload/", source_views.source_upload, name="source-upload"),
    path("sources/<int:source_id>/grants/", source_views.source_grant_add, name="source-grant"),
    path(
        "sources/<int:source_id>/grants/<int:grant_id>/revoke/",
        source_views.source_grant_end,
        name="source-grant-revoke",
    ),
    path("outlets/suggest/", outlet_views.outlet_suggest, name="outlet-suggest"),
    path("outlets/<int:outlet_id>/", outlet_views.outlet_detail, name="outlet-detail"),
    path("outlets/<int:outlet_id>/edit/", outlet_views.outlet_edit, name="outlet-edit"),
    path("outlets/<int:outlet_id>/rate/", outlet_views.outlet_rate_view, name="outlet-rate"),
    path(
        "outlets/<int:outlet_id>/domains/",
        outlet_views.outlet_domain_add_view,
        name="outlet-domain-add",
    ),
    path(
        "outlets/<int:outlet_id>/handles/",
        outlet_views.outlet_handle_add_view,
        name="outlet-handle-add",
    ),
]
