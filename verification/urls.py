from django.urls import path

from verification import apis

app_name = "verification"

urlpatterns = [
    path("claims/", apis.ClaimsApi.as_view(), name="claims"),
    path("claims/<int:claim_id>/", apis.ClaimDetailApi.as_view(), name="claim-detail"),
    path(
        "claims/<int:claim_id>/status/",
        apis.ClaimStatusChangeApi.as_view(),
        name="claim-status",
    ),
    path("claims/<int:claim_id>/history/", apis.ClaimHistoryApi.as_view(), name="claim-history"),
]
