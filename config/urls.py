from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

handler400 = "config.api.errors.handler400"
handler404 = "config.api.errors.handler404"
handler500 = "config.api.errors.handler500"

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
    # The split view loads its start-up script from ?script= instead of inline, so scripts stay
    # 'self' only; Swagger UI's page still has an inline <style> and data: icons.
    path(
        "api/docs/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    # The fact-checkers' desk: server-rendered pages (verification joins claims and sources).
    path("", include("verification.web_urls")),
]
