from __future__ import annotations

from core.models import Membership, Role


def test_sign_up_creates_organization_and_owner(client, db):
    response = client.post(
        "/signup/",
        {
            "full_name": "Ana Seller",
            "email": "Ana@Example.com",
            "password": "a-long-unusual-passphrase",
            "organization_name": "Ana's Shop",
            "timezone": "America/Chicago",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="ana@example.com")
    assert membership.role == Role.OWNER
    assert membership.organization.name == "Ana's Shop"
    assert client.get("/inbox/").status_code == 200


def test_base_page_renders_for_member(member_client):
    response = member_client.get("/inbox/")
    assert response.status_code == 200
    assert b"Acme Shop" in response.content
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
