"""Forms for Anlagen, comments on sections and agreement templates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.forms.agreement import AgreementCreateForm
from agreements.models import Agreement, AgreementTemplate, CatalogueEntry, CatalogueKind
from kooperation.core.attachments import AttachmentForm
from kooperation.core.forms import VersionedModelForm, helper

# How many agreements the "Kopie von" list offers (its help text names the number).
COPY_CHOICES = 20


class Start:
    EMPTY = "leer"
    TEMPLATE = "vorlage"
    COPY = "kopie"
    CHOICES = [(EMPTY, _("leer")), (TEMPLATE, _("aus Vorlage")), (COPY, _("Kopie von"))]


class AgreementStartForm(AgreementCreateForm):
    """Create an agreement empty, from a Vorlage, or as a copy of an agreement the user sees."""

    start = forms.ChoiceField(
        label=_("Beginnen"), choices=Start.CHOICES, initial=Start.EMPTY, required=False, widget=forms.RadioSelect
    )
    template = forms.ModelChoiceField(
        label=_("Vorlage"), queryset=AgreementTemplate.objects.none(), required=False, empty_label=_("– bitte wählen –")
    )
    source = forms.ModelChoiceField(
        label=_("Kopie von"),
        queryset=Agreement.objects.none(),
        required=False,
        empty_label=_("– bitte wählen –"),
        help_text=_(
            "Zur Wahl stehen die 20 zuletzt geänderten Vereinbarungen, die Sie sehen. Übernommen werden Text "
            "und Leitfragen, nicht Unterschriften, Verlauf, Kommentare oder Anlagen."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["template"].queryset = AgreementTemplate.objects.filter(is_active=True)
        # Bounded: the list must not grow with the network (a subquery, so the form still validates any of them).
        recent = Agreement.objects.visible_to(user).order_by("-updated_at", "-pk").values("pk")[:COPY_CHOICES]
        self.fields["source"].queryset = Agreement.objects.filter(pk__in=recent).order_by("title", "pk")
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leer lassen: der Titel der Vorlage oder der kopierten Vereinbarung.")
        self.helper = helper("start", "template", "source", "title", "preamble", "coordinating_institution", "partners")

    def clean(self):
        data = super().clean()
        start = data["start"] = data.get("start") or Start.EMPTY
        if start == Start.TEMPLATE and not data.get("template"):
            self.add_error("template", _("Bitte eine Vorlage wählen."))
        if start == Start.COPY and not data.get("source"):
            self.add_error("source", _("Bitte die Vereinbarung wählen, die kopiert werden soll."))
        if not data.get("title") and "title" not in self.errors:
            if start == Start.TEMPLATE and data.get("template"):
                data["title"] = data["template"].title
            elif start == Start.COPY and data.get("source"):
                data["title"] = _("%(title)s (Kopie)") % {"title": data["source"].title}
            elif start == Start.EMPTY:
                self.add_error("title", _("Dieses Feld ist zwingend erforderlich."))
        return data


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


class AgreementTemplateForm(VersionedModelForm):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(*self.Meta.fields, "version")
