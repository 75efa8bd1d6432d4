"""Anlagen: files on an agreement, a meeting or a case — checked by content, stored privately, removed softly.

Each app has its concrete model (`AgreementAttachment`, `MeetingAttachment`, `CaseAttachment`) on the
abstract `Attachment`; the app's permissions decide who reads, adds and removes. A removed attachment
keeps its row (who uploaded and removed it, when and why) but its bytes are deleted from the storage.
"""

from __future__ import annotations

import hashlib
import secrets

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kooperation.core.errors import DomainError
from kooperation.core.office import OFFICE_KINDS, ZIP_MAGIC, check_office
from kooperation.core.uploads import KINDS, FileKind, check_scan, display_name, stored_file_response

ATTACHMENT_KINDS = KINDS + OFFICE_KINDS
_BY_EXTENSION = {kind.extension: kind for kind in ATTACHMENT_KINDS}
ACCEPT = ",".join(f".{kind.extension}" for kind in ATTACHMENT_KINDS) + ",.jpeg"


def max_bytes() -> int:
    return settings.KOOPERATION_ATTACHMENT_MAX_MB * 1024 * 1024


def check_attachment(data: bytes) -> FileKind:
    """The type of an Anlage by its bytes: PDF (without active content), PNG, JPEG or an office document."""
    unknown = _(
        "Bitte eine PDF-Datei, ein Bild (PNG, JPEG) oder ein Office-Dokument "
        "(DOCX, XLSX, PPTX, ODT, ODS, ODP) hochladen."
    )
    if data.startswith(ZIP_MAGIC):
        return check_office(data)
    return check_scan(data, unknown_message=unknown)


def _path(instance, filename: str) -> str:
    return f"anlagen/{instance._meta.model_name}/{filename}"


class Attachment(models.Model):
    """One uploaded file with who added it when; removal keeps the row and the reason."""

    file = models.FileField(gettext_lazy("Datei"), upload_to=_path, max_length=200, blank=True)
    name = models.CharField(gettext_lazy("Dateiname"), max_length=120)
    description = models.CharField(gettext_lazy("Beschreibung"), max_length=200, blank=True)
    extension = models.CharField(gettext_lazy("Dateityp"), max_length=8)
    size = models.PositiveIntegerField(gettext_lazy("Größe in Bytes"))
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("hochgeladen von"),
    )
    uploaded_at = models.DateTimeField(gettext_lazy("hochgeladen am"), default=timezone.now)
    removed_at = models.DateTimeField(gettext_lazy("entfernt am"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("entfernt von"),
    )
    removal_reason = models.TextField(gettext_lazy("Grund der Entfernung"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> FileKind | None:
        return _BY_EXTENSION.get(self.extension)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


def fill(attachment: Attachment, *, data: bytes, kind: FileKind, name: str, description: str, user) -> Attachment:
    """Set the checked bytes and their metadata and store the file under a random name (not yet saved)."""
    shown = display_name(name) or _("Anlage")
    stem = shown.rsplit(".", 1)[0] if "." in shown else shown
    attachment.name = f"{stem}.{kind.extension}"[:120]
    attachment.description = description
    attachment.extension = kind.extension
    attachment.size = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    attachment.uploaded_by = user
    attachment.file.save(f"{secrets.token_hex(16)}.{kind.extension}", ContentFile(data), save=False)
    return attachment


def remove(attachment: Attachment, user, reason: str) -> Attachment:
    """Mark the attachment removed (who, when, why) and delete its bytes once the transaction commits."""
    if attachment.is_removed:
        raise DomainError(_("Diese Anlage ist bereits entfernt."))
    if not reason.strip():
        raise DomainError(_("Bitte einen Grund angeben."))
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.removed_at = timezone.now()
    attachment.removed_by = user
    attachment.removal_reason = reason.strip()
    attachment.file = ""
    attachment.save(update_fields=["removed_at", "removed_by", "removal_reason", "file"])
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
    return attachment


def download(attachment: Attachment):
    """The stored bytes as a download with the detected type; 404 is the caller's job for removed ones."""
    return stored_file_response(attachment.file.open("rb"), filename=attachment.name, kind=attachment.kind)


class AttachmentForm(forms.Form):
    """Upload an Anlage: size and content are checked here, so a refusal shows at the field."""

    file = forms.FileField(label=gettext_lazy("Datei"))
    description = forms.CharField(label=gettext_lazy("Beschreibung"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ACCEPT
        self.fields["file"].help_text = _(
            "PDF, PNG, JPEG oder Office-Dokument (DOCX, XLSX, PPTX, ODT, ODS, ODP), höchstens %(mb)s MB."
        ) % {"mb": settings.KOOPERATION_ATTACHMENT_MAX_MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("Die Datei ist größer als %(mb)s MB.") % {"mb": settings.KOOPERATION_ATTACHMENT_MAX_MB}
            )
        data = b"".join(upload.chunks())
        try:
            self.kind = check_attachment(data)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        self.content = data
        return upload

    def attachment_data(self) -> dict:
        return {
            "data": self.content,
            "kind": self.kind,
            "name": self.cleaned_data["file"].name,
            "description": self.cleaned_data["description"],
        }


class RemovalForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Grund der Entfernung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Bleibt im Verlauf sichtbar; die Datei selbst wird gelöscht."),
    )
