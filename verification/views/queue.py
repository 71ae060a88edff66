"""The queue: claims to work on, by status, assignee and review flag."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from verification.views.common import newsroom_required, render_page


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:queue" if request.user.is_authenticated else "web:signin")


@newsroom_required()
def queue(request: HttpRequest) -> HttpResponse:
    return render_page(request, "verification/queue.html", {})
