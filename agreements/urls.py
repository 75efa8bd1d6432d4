from django.urls import path

from agreements.views import administration, agreement, catalogue, dashboard, network, sections

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("netzwerk/", network.institution_list, name="institution_list"),
    path("netzwerk/neu/", network.institution_create, name="institution_create"),
    path("netzwerk/<int:pk>/", network.institution_detail, name="institution_detail"),
    path("netzwerk/<int:pk>/bearbeiten/", network.institution_edit, name="institution_edit"),
    path(
        "netzwerk/<int:pk>/deaktivieren/",
        network.institution_set_active,
        {"active": False},
        name="institution_deactivate",
    ),
    path(
        "netzwerk/<int:pk>/aktivieren/", network.institution_set_active, {"active": True}, name="institution_activate"
    ),
    path("netzwerk/<int:pk>/ansprechpartner/", network.institution_contacts, name="institution_contacts"),
    path("netzwerk/<int:pk>/angebote/", network.institution_offers, name="institution_offers"),
    path("netzwerk/<int:pk>/leitung/", network.institution_leaders, name="institution_leaders"),
    path("verwaltung/arbeitsfelder/", administration.arbeitsfeld_list, name="arbeitsfeld_list"),
    path("verwaltung/arbeitsfelder/neu/", administration.arbeitsfeld_edit, name="arbeitsfeld_create"),
    path("verwaltung/arbeitsfelder/<int:pk>/", administration.arbeitsfeld_edit, name="arbeitsfeld_edit"),
    path("verwaltung/benutzer/", administration.user_list, name="user_list"),
    path("verwaltung/benutzer/neu/", administration.user_create, name="user_create"),
    path("verwaltung/benutzer/<int:pk>/", administration.user_edit, name="user_edit"),
    path(
        "verwaltung/benutzer/<int:pk>/deaktivieren/",
        administration.user_set_active,
        {"active": False},
        name="user_deactivate",
    ),
    path(
        "verwaltung/benutzer/<int:pk>/aktivieren/",
        administration.user_set_active,
        {"active": True},
        name="user_activate",
    ),
    path("verwaltung/benutzer/<int:pk>/einladen/", administration.user_invite, name="user_invite"),
    path("verwaltung/kataloge/", catalogue.catalogue_overview, name="catalogue_overview"),
    path("verwaltung/kataloge/<slug:kind>/", catalogue.catalogue_edit, name="catalogue_edit"),
    path("vereinbarungen/", agreement.agreement_list, name="agreement_list"),
    path("vereinbarungen/neu/", agreement.agreement_create, name="agreement_create"),
    path("vereinbarungen/<int:pk>/", agreement.agreement_detail, name="agreement_detail"),
    path("vereinbarungen/<int:pk>/bearbeiten/", agreement.agreement_edit, name="agreement_edit"),
    path("vereinbarungen/<int:pk>/partner/", agreement.agreement_partners, name="agreement_partners"),
    path("vereinbarungen/<int:pk>/schritt/<slug:name>/", agreement.agreement_transition, name="agreement_transition"),
    path("vereinbarungen/<int:pk>/verlauf/", agreement.agreement_history, name="agreement_history"),
    path("vereinbarungen/<int:pk>/vergleich/", agreement.agreement_compare, name="agreement_compare"),
    path("vereinbarungen/<int:pk>/abschnitt/<slug:key>/", sections.section_edit, name="agreement_section"),
    path("vereinbarungen/<int:pk>/abschnitt/<slug:key>/zeile/", sections.section_row, name="agreement_section_row"),
]
