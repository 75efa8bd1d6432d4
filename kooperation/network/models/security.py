"""The security log: sign-ins, lockouts, second-factor changes, role grants and data exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    """One security-relevant event. Never holds secrets: no passwords, codes, keys or typed-in passwords."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Anmeldung")
        LOGIN_FAILED = "login_failed", _("Fehlgeschlagene Anmeldung")
        LOCKOUT = "lockout", _("Anmeldung gesperrt")
        UNLOCK = "unlock", _("Sperre aufgehoben")
        OTP_ENROLLED = "otp_enrolled", _("Zweiter Faktor eingerichtet")
        OTP_REMOVED = "otp_removed", _("Zweiter Faktor entfernt")
        OTP_RESET = "otp_reset", _("Zweiter Faktor zurückgesetzt")
        BACKUP_CODE_USED = "backup_code_used", _("Sicherungscode verwendet")
        BACKUP_CODES_RENEWED = "backup_codes_renewed", _("Sicherungscodes erneuert")
        PASSWORD_RESET_MAIL = "password_reset_mail", _("Passwort-Link angefordert")
        ROLE_GRANTED = "role_granted", _("Rolle vergeben")
        ROLE_CHANGED = "role_changed", _("Rolle geändert")
        ROLE_REVOKED = "role_revoked", _("Rolle entzogen")
        EXPORT = "export", _("Datenexport")

    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("Ereignis"), max_length=30, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("Konto"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ausgelöst von"),
    )
    # The name a lockout applies to (its growth is counted per name, also for names without an account).
    login_name = models.CharField(_("Anmeldename"), max_length=254, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    detail = models.CharField(_("Einzelheiten"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Sicherheitsereignis")
        verbose_name_plural = _("Sicherheitsprotokoll")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
