"""Forms for signatures."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import SignatureMethod
from agreements.services.signing import MAX_UPLOAD
from kooperation.core.limits import BoundedDateField
from kooperation.core.widgets import IsoDateInput


class SignatureForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("für"), coerce=int)
    signed_on = BoundedDateField(label=_("unterzeichnet am"), widget=IsoDateInput())
    place = forms.CharField(label=_("in (Ort)"), max_length=100)
    method = forms.ChoiceField(
        label=_("Form der Unterschrift"),
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect,
        initial=SignatureMethod.IN_APP,
    )
    file = forms.FileField(
        label=_("Datei"),
        required=False,
        help_text=_("Eingescannte unterschriebene Seite (PDF, PNG, JPEG) oder das digital signierte Vertrags-PDF."),
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        self.fields["signed_on"].initial = timezone.localdate()
        if len(institutions) == 1:
            self.fields["institution"].initial = institutions[0].pk
            self.fields["institution"].widget = forms.HiddenInput()

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Das Datum der Unterschrift darf nicht in der Zukunft liegen."))
        return value

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # The size Django counted while streaming the upload to disk; nothing is read here.
        if upload and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Die Datei ist größer als 15 MB."))
        return upload

    def clean(self):
        data = super().clean()
        if (
            data.get("method") in (SignatureMethod.SCAN, SignatureMethod.DIGITAL)
            and not data.get("file")
            and "file" not in self.errors
        ):
            self.add_error("file", _("Bitte die unterschriebene Datei hochladen."))
        return data


class PaperSignatureForm(forms.Form):
    """A signature received on paper, recorded by the coordinating Koordination with the scanned page."""

    institution = forms.TypedChoiceField(label=_("für"), coerce=int)
    signer_name = forms.CharField(label=_("unterzeichnet von (Name)"), max_length=150)
    signer_function = forms.CharField(label=_("Funktion"), max_length=150)
    signed_on = forms.DateField(label=_("unterzeichnet am"), widget=IsoDateInput())
    place = forms.CharField(label=_("in (Ort)"), max_length=100)
    file = forms.FileField(label=_("Scan der unterschriebenen Seite"), help_text=_("PDF, PNG oder JPEG"))

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, prefix="papier", **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Das Datum der Unterschrift darf nicht in der Zukunft liegen."))
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Begründung"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DeputyForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("für die Institution"), coerce=int)
    user = forms.TypedChoiceField(label=_("Vertretung"), coerce=int)
    function = forms.CharField(label=_("Funktion"), max_length=150, required=False)
    valid_from = forms.DateField(label=_("von"), widget=IsoDateInput())
    valid_until = forms.DateField(label=_("bis"), widget=IsoDateInput())

    def __init__(self, *args, institutions, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        self.fields["user"].choices = [(u.pk, u.get_full_name() or u.email) for u in candidates]
        self.fields["valid_from"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", _("Das Ende der Vertretung liegt vor ihrem Beginn."))
        return data
