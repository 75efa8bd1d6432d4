"""URL configuration: accounts here, each app's pages in its own urls module."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from kooperation.network.forms.auth import PasswordResetForm
from kooperation.network.views import invitations, signin
from kooperation.network.views.auth import LogoutView
from kooperation.views import set_language

account_patterns = [
    path("anmelden/", signin.PasswordStepView.as_view(), name="login"),
    path("anmelden/code/", signin.login_code, name="login_code"),
    path("zwei-faktor/", signin.two_factor, name="two_factor"),
    path("zwei-faktor/einrichten/", signin.two_factor_enrol, name="two_factor_enrol"),
    path("zwei-faktor/sicherungscodes/", signin.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("zwei-faktor/entfernen/", signin.two_factor_remove, name="two_factor_remove"),
    path("abmelden/", LogoutView.as_view(), name="logout"),
    path("einladung/<uidb64>/<token>/", invitations.invitation_accept, name="invitation_accept"),
    path(
        "passwort/aendern/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("passwort/geaendert/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "passwort/vergessen/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("passwort/vergessen/gesendet/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "passwort/neu/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("passwort/neu/fertig/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("konto/", include(account_patterns)),
    path("sprache/", set_language, name="set_language"),
    path("", include("kooperation.ops.urls")),
    path("", include("kooperation.pages.urls")),
    path("", include("kooperation.network.urls")),
    path("", include("agreements.urls")),
    path("", include("conferences.urls")),
]

handler400 = "kooperation.views.bad_request"
handler500 = "kooperation.views.server_error"
