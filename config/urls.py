from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

handler404 = "config.api.handler404"
handler500 = "config.api.handler500"

admin.site.site_header = "Claimtrail"
admin.site.site_title = "Claimtrail"
admin.site.index_title = "Claims, sources and verification"

api_v1 = [
    path("", include("sources.urls")),
    path("", include("claims.urls")),
    path("", include("verification.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # The fact-checkers' desk: server-rendered pages (verification joins claims and sources).
    path("", include("verification.web_urls")),
]
