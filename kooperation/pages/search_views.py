"""The Suche page: the header's search field leads here; every group is bounded, one group can be paged."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kooperation.pages import search as queries

GROUP_SIZE = 10
PAGE_SIZE = 25


@require_GET
def search(request):
    """Find institutions, people, offers, agreements and (for the case team) cases and Hilfekonferenzen."""
    text = " ".join(request.GET.get("q", "").split())[: queries.MAX_LENGTH]
    kind = queries.KINDS_BY_SLUG.get(request.GET.get("art", ""))
    context = {"text": text, "kind": kind, "groups": [], "page_obj": None, "error": ""}
    if len(text) < queries.MIN_LENGTH:
        if "q" in request.GET:
            context["error"] = _("Bitte geben Sie mindestens zwei Zeichen ein.")
        return render(request, "pages/search.html", context)
    if kind is not None:
        context["page_obj"] = Paginator(kind.find(request.user, text), PAGE_SIZE).get_page(request.GET.get("page"))
        context["query"] = urlencode({"q": text, "art": kind.slug})
        context["all_url"] = "?" + urlencode({"q": text})
        return render(request, "pages/search.html", context)
    for each in queries.KINDS:
        # One more than shown says whether there is more, without counting every match.
        rows = list(each.find(request.user, text)[: GROUP_SIZE + 1])
        if rows:
            context["groups"].append(
                {
                    "kind": each,
                    "rows": rows[:GROUP_SIZE],
                    "more_url": "?" + urlencode({"q": text, "art": each.slug}) if len(rows) > GROUP_SIZE else "",
                }
            )
    return render(request, "pages/search.html", context)
