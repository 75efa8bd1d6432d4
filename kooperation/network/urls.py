from django.urls import path

from kooperation.network.views import administration, directory

urlpatterns = [
    path("netzwerk/", directory.institution_list, name="institution_list"),
    path("netzwerk/suche/", directory.institution_search, name="institution_search"),
    path("netzwerk/neu/", directory.institution_create, name="institution_create"),
    path("netzwerk/<int:pk>/", directory.institution_detail, name="institution_detail"),
    path("netzwerk/<int:pk>/bearbeiten/", directory.institution_edit, name="institution_edit"),
    path(
        "netzwerk/<int:pk>/deaktivieren/",
        directory.institution_set_active,
        {"active": False},
        name="institution_deactivate",
    ),
    path(
        "netzwerk/<int:pk>/aktivieren/", directory.institution_set_active, {"active": True}, name="institution_activate"
    ),
    path("netzwerk/<int:pk>/ansprechpartner/", directory.institution_contacts, name="institution_contacts"),
    path("netzwerk/<int:pk>/angebote/", directory.institution_offers, name="institution_offers"),
    path("netzwerk/<int:pk>/leitung/", directory.institution_leaders, name="institution_leaders"),
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
]
