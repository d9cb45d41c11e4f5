"""GET /healthz: database and broker state, 200 when both answer and 503 when one is down."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection

URL = "/healthz"


@pytest.mark.django_db
def test_healthz_ok_with_the_filesystem_broker(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert list(tmp_path.iterdir()) == [], "the probe file is removed"


@pytest.mark.django_db
def test_healthz_503_when_the_broker_folder_is_missing(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone" / "queue")}
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error"}


@pytest.mark.django_db
def test_healthz_503_fast_when_redis_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error"}
    assert time.monotonic() - started < 10, "a dead broker must not hang the probe"


@pytest.mark.django_db
def test_healthz_503_when_the_database_is_down(client, settings, tmp_path, monkeypatch):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"database": "error", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_get_only(client):
    assert client.post(URL).status_code == 405


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_ok_with_live_redis(client, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
