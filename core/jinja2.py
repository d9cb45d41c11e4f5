"""The Jinja2 environment of the hot pages and partials (templates/jinja2/): Django's static, url reversing, date
formats (core/formats: `value|date` is "Dec 3, 2026" as in Django templates; `value|localtime` first for the viewer's
time zone), querystring, htmx's script tag and Django templates shared with Django pages, with autoescape on."""

from __future__ import annotations

from typing import Any

from django.forms import BoundField
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import querystring as _querystring
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django_htmx.jinja import htmx_script
from jinja2 import Environment


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def querystring(query: QueryDict, **changes: Any) -> str:
    """Django's {% querystring %} on `query` (usually request.GET): None removes a key."""
    return _querystring(None, query, **changes)


# Widgets whose Django templates templates/jinja2/widget.html writes itself: <input>, <textarea>, <select>, radio and
# checkbox lists, and file inputs (not a clearable one showing its current file).
_PLAIN_WIDGETS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "input",
        "textarea",
        "select",
        "radio",
        "checkbox_select",
        "file",
        "clearable_file_input",
    )
)


def widget_context(bound: BoundField) -> dict[str, Any] | None:
    """What Django's widget template gets (the same attributes BoundField.as_widget adds); None for other widgets."""
    widget = bound.field.widget
    if widget.template_name not in _PLAIN_WIDGETS:
        return None
    if bound.field.localize:
        widget.is_localized = True
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    return None if context.get("is_initial") else context


def label_context(bound: BoundField) -> dict[str, Any]:
    """What BoundField.label_tag gives Django's label template: the label, the suffix it adds (the form's, unless the
    label ends in punctuation), the attributes (`for`, the form's required class) and whether there is a tag."""
    label = bound.label
    suffix = bound.field.label_suffix if bound.field.label_suffix is not None else bound.form.label_suffix
    if not (suffix and label and label[-1] not in _(":?.!")):
        suffix = ""
    widget = bound.field.widget
    id_ = widget.attrs.get("id") or bound.auto_id
    attrs: dict[str, Any] = {}
    if id_:
        id_for_label = widget.id_for_label(id_)
        if id_for_label:
            attrs["for"] = id_for_label
        if bound.field.required and hasattr(bound.form, "required_css_class"):
            attrs["class"] = bound.form.required_css_class
    return {"label": label, "suffix": suffix, "attrs": attrs, "use_tag": bool(id_)}


def date(value: Any, format_string: str | None = None) -> str:
    """Django's |date; with an explicit format, straight to dateformat (the filter looks the format up first)."""
    if format_string is None or value in (None, ""):
        return date_filter(value, format_string)
    return dateformat.format(value, format_string)


def truncatechars(value: Any, length: int) -> str:
    """Django's |truncatechars; a short ASCII string (already NFC, no combining characters) is returned as it is,
    without a Truncator (a list page has 25 policies)."""
    if type(value) is str and length > 0 and len(value) <= length and value.isascii():
        return value
    return Truncator(value).chars(length)


def django_template(name: str, **values: Any) -> SafeString:
    """A Django template inside a Jinja2 page (a partial that Django pages share, such as the notices to review)."""
    return render_to_string(name, values)


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """Context processor of the Jinja2 pages: the CSRF token and its hidden field each masked once a page, not once
    per use (Django's Jinja2 backend gives lazy values that call get_token each time they are written: six masks on
    the list page, ~0.03 ms each). Still lazy: a page that writes no form sets no CSRF cookie."""
    return {
        "csrf_token": SimpleLazyObject(lambda: get_token(request)),
        "csrf_input": SimpleLazyObject(lambda: csrf_input(request)),
    }


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    env.globals.update(
        static=static,
        url=url,
        querystring=querystring,
        widget_context=widget_context,
        label_context=label_context,
        htmx_script=htmx_script,
        django_template=django_template,
    )
    # localtime: an aware datetime in the viewer's time zone, as Django's |date shows it (Jinja2's date does not).
    env.filters.update(date=date, truncatechars=truncatechars, localtime=localtime)
    return env
