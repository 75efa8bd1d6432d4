"""Invitations: a one-time link to set the password (and, for staff asked for by Koordination, a request first)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.network.models.accounts import Role


class Invitation(models.Model):
    """One invitation e-mail to an account; only the SHA-256 of its token is stored."""

    class Status(models.TextChoices):
        REQUESTED = (
            "angefragt",
            _("angefragt"),
        )  # Koordination asked; the institution's Koordination/Administration confirms
        SENT = "eingeladen", _("eingeladen")
        ACCEPTED = "angenommen", _("angenommen")
        REPLACED = "ersetzt", _("ersetzt")  # a newer invitation was sent
        DECLINED = "abgelehnt", _("abgelehnt")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Konto")
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.SENT, db_index=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    sent_at = models.DateTimeField(_("verschickt am"), null=True, blank=True)
    expires_at = models.DateTimeField(_("gültig bis"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingeladen von"),
    )
    # Set when Koordination asks for a person the structure needs (Gremium, Leitung, Untergruppe).
    institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("Institution"),
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, blank=True)
    purpose = models.CharField(_("wofür"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.SENT and self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """What Administration sees: angefragt, eingeladen, abgelaufen, angenommen, …"""
        return "abgelaufen" if self.is_expired else self.status
