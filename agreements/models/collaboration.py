"""Working together on the text: Anlagen of an agreement, comments per section, templates to start from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.core.attachments import Attachment
from kooperation.core.concurrency import Versioned


class AgreementAttachment(Attachment):
    """A file on an agreement: a contract appendix, the old paper contract, material."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="attachments")
    in_contract = models.BooleanField(
        _("im Vertrag als Anlage aufführen"),
        default=False,
        help_text=_("Die Anlage wird im Vertrags-PDF unter „Anlagen“ mit Namen und Beschreibung genannt."),
    )

    class Meta(Attachment.Meta):
        verbose_name = _("Anlage")
        verbose_name_plural = _("Anlagen")

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class SectionComment(models.Model):
    """A comment on one section of an agreement in work; a reply points to the thread's first comment."""

    agreement = models.ForeignKey("agreements.Agreement", on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(_("Abschnitt"), max_length=30)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies", verbose_name=_("Antwort auf")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("von")
    )
    text = models.TextField(_("Kommentar"), max_length=5000)
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)
    mentioned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("erwähnt")
    )
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erledigt von"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")
        indexes = [models.Index(fields=["agreement", "section", "resolved_at"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.agreement_id}


class AgreementTemplate(Versioned):
    """A Vorlage kept by Administration: prefilled title, preamble and sections, and the Leitfragen it uses."""

    name = models.CharField(_("Name der Vorlage"), max_length=150, unique=True)
    description = models.TextField(_("Wofür ist die Vorlage gedacht?"), blank=True)
    title = models.CharField(_("Titel der Vereinbarung"), max_length=200)
    preamble = models.TextField(_("Präambel / Kurzbeschreibung"), blank=True)
    target_groups = models.TextField(
        _("Zielgruppen"),
        blank=True,
        help_text=_("Eine Zielgruppe je Zeile; sie werden in die Vereinbarung übernommen."),
    )
    goals = models.TextField(_("Ziele"), blank=True, help_text=_("Ein Ziel je Zeile."))
    questions = models.ManyToManyField(
        "agreements.CatalogueEntry",
        blank=True,
        related_name="+",
        verbose_name=_("Leitfragen"),
        help_text=_("Diese Leitfragen werden den Untergruppen vorgeschlagen."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("Vorlage")
        verbose_name_plural = _("Vorlagen")

    def __str__(self) -> str:
        return self.name
