"""`make run` (DEBUG on, OWN_ERROR_PAGES) answers with the app's own error pages, and the landing page tells the
demo login once demo data exists (development only)."""

from __future__ import annotations

import logging

import pytest
from django.urls import path

from core.demo import DEMO_EMAIL, DEMO_PASSWORD
from core.urls import urlpatterns as app_urlpatterns
from tests.factories import UserFactory


def _boom(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("boom/", _boom), *app_urlpatterns]


@pytest.fixture
def own_pages(settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.error_pages.OwnErrorPagesMiddleware"]
    settings.ROOT_URLCONF = __name__


def test_unknown_url_gets_the_own_404_not_the_debug_page(own_pages, client, member_client):
    for c in (client, member_client):
        response = c.get("/no-such-page/")
        html = response.content.decode()
        assert response.status_code == 404
        assert "There is nothing here" in html and "URLconf" not in html and "Page not found at" not in html


def test_a_view_404_gets_the_own_page(own_pages, member_client):
    response = member_client.get("/violations/987654321/")
    assert response.status_code == 404 and "There is nothing here" in response.content.decode()


def test_a_crash_gets_the_own_500_and_the_traceback_is_logged(own_pages, client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode() and "kaboom" not in response.content.decode()
    record = next(r for r in caplog.records if r.getMessage() == "Internal Server Error: /boom/")
    assert record.exc_info[1].args == ("kaboom",)


def test_api_errors_stay_json(own_pages, client):
    response = client.get("/api/v1/accounts/987654321", headers={"Authorization": "Bearer nope"})
    assert response["Content-Type"].startswith("application/json")


def test_landing_page_shows_the_demo_login_once_demo_data_exists(db, client, settings):
    settings.SHOW_DEMO_LOGIN = True
    assert 'id="demo-login"' not in client.get("/").content.decode()
    UserFactory(email=DEMO_EMAIL)
    html = client.get("/").content.decode()
    assert 'id="demo-login"' in html and DEMO_EMAIL in html and DEMO_PASSWORD in html
    settings.SHOW_DEMO_LOGIN = False  # production default (DEBUG off)
    assert DEMO_PASSWORD not in client.get("/").content.decode()
