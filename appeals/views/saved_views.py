"""Saved views of the violation list: save the current filter under a name, delete one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from appeals.forms.saved_views import SavedViewForm, list_query
from appeals.models import SavedView
from appeals.services import ServiceError
from appeals.services import saved_views as services
from core.tenancy import get_scoped_or_404, member_required


def _list_url(query: str) -> str:
    return reverse("appeals:violations") + (f"?{query}" if query else "")


@require_http_methods(["GET", "POST"])
@member_required()
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """GET (?query=...) shows the form on its own page; POST saves. Errors show at the name field, in place for
    htmx (the list page's form) or on this page."""
    if request.method == "GET":
        form = SavedViewForm(initial={"query": list_query(request.GET.get("query", ""))})
    else:
        form = SavedViewForm(request.POST)
        if form.is_valid():
            query = form.cleaned_data["query"]
            try:
                view = services.saved_view_create(
                    user=request.user, organization=request.organization, name=form.cleaned_data["name"], query=query
                )
            except ServiceError as exc:
                form.add_error("name", exc.message)
            else:
                messages.success(request, f"Saved the view “{view.name}”.")
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = _list_url(query)
                    return response
                return redirect(_list_url(query))
    template = "appeals/violations/saved_view.html#form" if request.htmx else "appeals/violations/saved_view.html"
    return render(request, template, {"form": form, "query": form["query"].value() or ""})


@require_POST
@member_required()
def saved_view_delete(request: HttpRequest, view_pk: int) -> HttpResponse:
    # Another person's view, or one in another organization, does not exist for this user.
    view = get_scoped_or_404(request, SavedView.objects.filter(user=request.user), pk=view_pk)
    services.saved_view_delete(saved_view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("appeals:violations")


urlpatterns = [
    path("violations/views/", saved_view_create, name="saved_view_create"),
    path("violations/views/<int:view_pk>/delete/", saved_view_delete, name="saved_view_delete"),
]
