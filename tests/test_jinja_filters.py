"""The Jinja2 environment's filters (core/jinja2.py) write what Django's template filters write."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import truncatechars as django_truncatechars
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from markupsafe import Markup

from core.jinja2 import environment


@pytest.mark.parametrize(
    "value, length",
    [
        ("Prohibited products", 60),
        ("Prohibited products", 19),
        ("Prohibited products", 10),
        ("Prohibited products", 0),
        ("Cafe\u0301 policy", 60),  # not NFC: Django normalizes it
        ("Ünïcode policy", 60),
        ("", 5),
        (None, 5),
        (12345, 3),
    ],
)
def test_truncatechars_writes_what_django_writes(value, length):
    env = environment(autoescape=True)
    assert env.from_string("{{ v|truncatechars(n) }}").render(v=value, n=length) == str(
        Markup.escape(django_truncatechars(value, length))
    )


def test_truncatechars_keeps_a_short_safe_string_as_the_truncator_does():
    env = environment(autoescape=True)
    value = mark_safe("<b>x</b>")
    # Not the short-string path (a SafeString is a str subclass): escaped or not as Truncator leaves it.
    expected = env.from_string("{{ t }}").render(t=Truncator(value).chars(60))
    assert env.from_string("{{ v|truncatechars(60) }}").render(v=value) == expected
