from django.urls import path

from kooperation.network.views import administration, directory, exchange, invitations, mails, notifications, security

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
    path("verwaltung/benutzer/einladen/", invitations.user_invite_bulk, name="user_invite_bulk"),
    path("verwaltung/benutzer/<int:pk>/einladen/", administration.user_invite, name="user_invite"),
    path("netzwerk/anfragen/", invitations.invitation_request_list, name="invitation_request_list"),
    path("netzwerk/anfragen/<int:pk>/", invitations.invitation_request, name="invitation_request"),
    path("verwaltung/mails/", mails.mail_list, name="mail_list"),
    path("verwaltung/mails/<int:pk>/erneut-senden/", mails.mail_resend, name="mail_resend"),
    path("verwaltung/benutzer/<int:pk>/entsperren/", security.user_unlock, name="user_unlock"),
    path(
        "verwaltung/benutzer/<int:pk>/zwei-faktor-zuruecksetzen/",
        security.user_reset_second_factor,
        name="user_reset_second_factor",
    ),
    path("verwaltung/sicherheit/", security.security_log, name="security_log"),
    path("verwaltung/sicherheit/export.csv", security.security_log_export, name="security_log_export"),
    # Import and export (issue 15).
    path("verwaltung/import/", exchange.import_overview, name="import_overview"),
    path("verwaltung/import/<str:kind>/hochladen/", exchange.import_upload, name="import_upload"),
    path("verwaltung/import/<str:kind>/vorschau/", exchange.import_preview, name="import_preview"),
    path("verwaltung/import/<str:kind>/bestaetigen/", exchange.import_confirm, name="import_confirm"),
    path("verwaltung/import/<str:kind>/vorlage.<str:fmt>", exchange.import_template, name="import_template"),
    path("verwaltung/export/<str:kind>.<str:fmt>", exchange.network_export, name="network_export"),
]

# --- Notifications (the bell) and notification settings ---
urlpatterns += [
    path("konto/benachrichtigungen/", notifications.notification_list, name="notification_list"),
    path("konto/benachrichtigungen/anzahl/", notifications.notification_badge, name="notification_badge"),
    path("konto/benachrichtigungen/alle-gelesen/", notifications.notification_read_all, name="notification_read_all"),
    path("konto/benachrichtigungen/<int:pk>/oeffnen/", notifications.notification_open, name="notification_open"),
    path("konto/benachrichtigungen/<int:pk>/gelesen/", notifications.notification_read, name="notification_read"),
    path("konto/einstellungen/", notifications.notification_settings, name="notification_settings"),
]
