from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from appeals.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # django-allauth (log in, sign up, reset, email, two-factor, sessions); /accounts/ is the seller accounts page.
    path("auth/", include("allauth.urls")),
    # The short public URLs stay the ones allauth links to and redirects to.
    path("login/", account_views.login, name="account_login"),
    path("logout/", account_views.logout, name="account_logout"),
    path("signup/", account_views.signup, name="account_signup"),
    path("password/reset/", account_views.password_reset, name="account_reset_password"),
    path("", include("core.web_urls")),
    path("", include("appeals.urls")),
]
