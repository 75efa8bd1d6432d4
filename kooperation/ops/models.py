"""Operations records: every outgoing e-mail with its delivery state, and locks for jobs that run once."""

from __future__ import annotations

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
