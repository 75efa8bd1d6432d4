"""Project-level pages that read several apps: the start page, the Nachweis, the Kooperationsblatt."""

from django.conf import settings
from django.urls import path

from kooperation.pages import bench, cooperation_sheet, dashboard, evidence_views, search_views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("suche/", search_views.search, name="search"),
    path("netzwerk/<int:pk>/nachweis/", evidence_views.evidence_report, name="evidence_report"),
    path("netzwerk/<int:pk>/nachweis.pdf", evidence_views.evidence_pdf, name="evidence_pdf"),
    path("netzwerk/<int:pk>/nachweis.csv", evidence_views.evidence_csv_download, name="evidence_csv"),
    path(
        "vereinbarungen/<int:pk>/kooperationsblatt.pdf", cooperation_sheet.cooperation_sheet, name="cooperation_sheet"
    ),
]

# The benchmark's floor: only with KOOPERATION_BENCH=true (manage.py bench_pages sets it for its servers).
if settings.KOOPERATION_BENCH:
    urlpatterns += [
        path("_bench/floor/", bench.floor, name="bench_floor"),
        path("_bench/anonym/", bench.anonymous_floor, name="bench_anonymous_floor"),
    ]
