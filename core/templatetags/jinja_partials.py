"""`{% jinja "appeals/violations/_rows.html" rows=rows %}`: a hot partial rendered by the Jinja2 backend
(templates/jinja2/) inside a Django template."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def render_partial(name: str, values: dict[str, Any]) -> SafeString:
    """The partial's output, safe to insert: Jinja2 escaped every value (autoescape is on)."""
    # The bare Jinja2 template: the context processors already ran for the page around it.
    return mark_safe(engines["jinja2"].get_template(name).template.render(values))  # noqa: S308


@register.simple_tag(takes_context=True)
def jinja(context, name: str, **values: Any) -> SafeString:
    return render_partial(name, {"request": context.get("request"), **values})
