"""Project-level pages that read several apps: the start page, the Nachweis, the Kooperationsblatt."""

from django.urls import path

from kooperation.pages import cooperation_sheet, dashboard, evidence_views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("netzwerk/<int:pk>/nachweis/", evidence_views.evidence_report, name="evidence_report"),
    path("netzwerk/<int:pk>/nachweis.pdf", evidence_views.evidence_pdf, name="evidence_pdf"),
    path("netzwerk/<int:pk>/nachweis.csv", evidence_views.evidence_csv_download, name="evidence_csv"),
    path(
        "vereinbarungen/<int:pk>/kooperationsblatt.pdf", cooperation_sheet.cooperation_sheet, name="cooperation_sheet"
    ),
]
