from __future__ import annotations


def test_base_page_renders_for_member(member_client):
    response = member_client.get("/inbox/")
    assert response.status_code == 200
    assert b"Acme Shop" in response.content
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
