from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
]
if settings.DEBUG:
    # Development only; production media go through the web server or a storage backend.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
