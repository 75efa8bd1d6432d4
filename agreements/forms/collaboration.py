"""Forms for Anlagen, comments on sections and agreement templates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementTemplate, CatalogueEntry, CatalogueKind
from kooperation.core.attachments import AttachmentForm


class AgreementAttachmentForm(AttachmentForm):
    in_contract = forms.BooleanField(
        label=_("im Vertrag als Anlage aufführen"),
        required=False,
        help_text=_("Nur solange die Vereinbarung bearbeitet wird; der Vertrag nennt Name und Beschreibung."),
    )

    def __init__(self, *args, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not editable:
            del self.fields["in_contract"]

    def attachment_data(self) -> dict:
        return {**super().attachment_data(), "in_contract": self.cleaned_data.get("in_contract", False)}


class MentionField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"@{obj.get_full_name() or obj.email}"


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Kommentar"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    mentioned = MentionField(
        label=_("@-Erwähnung: Personen benachrichtigen"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Die ausgewählten Personen der Partnerinstitutionen bekommen eine E-Mail mit dem Link."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentioned"].queryset = candidates


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Antwort"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class AgreementTemplateForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    questions = forms.ModelMultipleChoiceField(
        label=_("Leitfragen"),
        queryset=CatalogueEntry.objects.filter(
            kind__in=[CatalogueKind.LEITFRAGE, CatalogueKind.WEITERE_FRAGE], is_active=True
        ).order_by("kind", "position"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Diese Leitfragen werden in Vereinbarungen aus der Vorlage übernommen; keine Auswahl: alle."),
    )

    class Meta:
        model = AgreementTemplate
        fields = ["name", "description", "title", "preamble", "target_groups", "goals", "questions", "is_active"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "preamble": forms.Textarea(attrs={"rows": 4}),
            "target_groups": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
