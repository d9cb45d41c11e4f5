"""The Jinja2 layout (templates/jinja2/base.html, for the pages Jinja2 renders whole) says what templates/base.html
says: the same head, menu, organization switcher, user menu and messages for the same request."""

from __future__ import annotations

import re

from django.contrib import messages
from django.template.loader import render_to_string


def _normalised(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', r'\1"…"', html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def _both_layouts(request) -> tuple[str, str]:
    return (
        _normalised(render_to_string("base.html", request=request)),
        _normalised(render_to_string("base.html", request=request, using="jinja2")),
    )


def test_the_two_layouts_match_for_a_member(member_client, org, other_org, member):
    from core.models import Membership, Role

    Membership.objects.create(user=member, organization=other_org, role=Role.VIEWER)
    request = member_client.get("/violations/").wsgi_request
    messages.success(request, "Saved <b>it</b>.")
    django_page, jinja_page = _both_layouts(request)
    assert django_page == jinja_page
    for text in ('aria-current="page">Violations<', "Acme Shop", other_org.name, "Log out", "Saved &lt;b&gt;it"):
        assert text in jinja_page
    assert re.search(r'<script src="[^"]+htmx[^"]+" defer nonce="[^"]{16,}"></script>', jinja_page)


def test_the_two_layouts_match_for_a_visitor(client, db):
    request = client.get("/login/").wsgi_request
    django_page, jinja_page = _both_layouts(request)
    assert django_page == jinja_page and "Log out" not in jinja_page
