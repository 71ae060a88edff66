from django.urls import path

from sources import apis

app_name = "sources"

urlpatterns = [
    path("outlets/", apis.OutletsApi.as_view(), name="outlets"),
    path("outlets/<int:outlet_id>/", apis.OutletDetailApi.as_view(), name="outlet-detail"),
    path(
        "outlets/<int:outlet_id>/ratings/", apis.OutletRatingsApi.as_view(), name="outlet-ratings"
    ),
    path(
        "outlets/<int:outlet_id>/domains/",
        apis.OutletDomainAddApi.as_view(),
        name="outlet-domains",
    ),
    path(
        "outlets/<int:outlet_id>/handles/",
        apis.OutletHandleAddApi.as_view(),
        name="outlet-handles",
    ),
]
