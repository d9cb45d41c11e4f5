from django.contrib import admin
from django.urls import include, path

from appeals.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("core.web_urls")),
    path("", include("appeals.urls")),
]
