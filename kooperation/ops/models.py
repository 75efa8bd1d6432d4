"""Operations records: outgoing e-mails, locks for jobs that run once, in-app notifications and reminders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    WAITING = "wartet", _("wartet auf Versand")
    RETRY = "erneut", _("neuer Versuch geplant")
    SENT = "gesendet", _("gesendet")
    FAILED = "fehlgeschlagen", _("fehlgeschlagen")


class OutgoingMail(models.Model):
    """One e-mail to one recipient, recorded before it is sent so a failed send is never lost."""

    created_at = models.DateTimeField(_("erstellt"), auto_now_add=True)
    recipient = models.EmailField(_("Empfänger/in"))
    subject = models.CharField(_("Betreff"), max_length=255)
    body = models.TextField(_("Text"))
    attachments = models.JSONField(
        _("Anhänge"), default=list, blank=True, help_text=_("Dateiname, MIME-Typ und Inhalt (Base64) je Anhang")
    )
    status = models.CharField(_("Status"), max_length=20, choices=MailStatus.choices, default=MailStatus.WAITING)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)

    class Meta:
        verbose_name = _("ausgehende E-Mail")
        verbose_name_plural = _("ausgehende E-Mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


class JobLock(models.Model):
    """A job that runs on one server at a time holds its row (used where PostgreSQL advisory locks are not)."""

    name = models.CharField(max_length=100, primary_key=True)
    acquired_at = models.DateTimeField()
    holder = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("Sperre")
        verbose_name_plural = _("Sperren")

    def __str__(self) -> str:
        return self.name


# --- In-app notifications, per-person mail settings, reminder log (issue 15.7, 14.6) ---


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind's mail can be switched off per person (except security)."""

    APPROVAL = "zustimmung", _("Zustimmung erwartet")
    DECISION = "entscheidung", _("Rückgabe oder Zustimmung der Partner")
    QUESTIONS = "leitfragen", _("Leitfragen zugewiesen")
    SIGNATURE = "unterschrift", _("Unterschrift erwartet")
    AGREEMENT = "vereinbarung", _("Stand einer Vereinbarung")
    REVIEW = "ueberpruefung", _("Überprüfung fällig")
    QUALITY = "qualitaet", _("Qualitätsdialog")
    CONFERENCE = "hilfekonferenz", _("Hilfekonferenzen und Protokolle")
    TASK = "aufgabe", _("Aufgaben fällig")
    CONSENT = "einwilligung", _("Einwilligungen laufen ab")
    ROLE = "rolle", _("Rollen im Netzwerk")
    SECURITY = "sicherheit", _("Sicherheit des Kontos")
    OTHER = "sonstiges", _("Sonstiges")


# A stranger changing the second factor must be noticed: these mails cannot be switched off.
ALWAYS_MAILED = frozenset({NotificationKind.SECURITY})


class Notification(models.Model):
    """One message in a person's bell: a subject, a short text and a link, never case content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("Person")
    )
    kind = models.CharField(_("Art"), max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    subject = models.CharField(_("Betreff"), max_length=255)
    message = models.TextField(_("Text"), blank=True)
    path = models.CharField(_("Link"), max_length=500)
    case_data = models.BooleanField(_("führt zu Falldaten"), default=False)
    created_at = models.DateTimeField(_("erstellt"), auto_now_add=True)
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.subject


class NotificationSettings(models.Model):
    """A person's choices: which kinds also come by e-mail, and whether reminders are sent at all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings", primary_key=True
    )
    muted_kinds = models.JSONField(_("keine E-Mail für"), default=list, blank=True)
    reminders = models.BooleanField(_("Erinnerungen"), default=True)

    class Meta:
        verbose_name = _("Benachrichtigungseinstellung")
        verbose_name_plural = _("Benachrichtigungseinstellungen")

    def __str__(self) -> str:
        return str(self.user_id)

    def mails(self, kind: str) -> bool:
        """True if this person wants e-mail for `kind`."""
        return kind in ALWAYS_MAILED or kind not in self.muted_kinds


class ReminderLog(models.Model):
    """When a person was last reminded about one waiting item, so reminders come at most once a week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="reminder_once_per_user_item")]

    def __str__(self) -> str:
        return f"{self.key} → {self.user_id}"
