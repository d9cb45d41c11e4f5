from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.tenancy import member_required


@member_required()
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "appeals/inbox.html", {})


urlpatterns = [path("inbox/", inbox, name="inbox")]
