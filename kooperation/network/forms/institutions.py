"""Forms for the partner network: institutions, contacts, offers, leadership, fields."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kooperation.core.forms import FilterForm, VersionedModelForm, helper
from kooperation.core.rows import SharedChoicesMixin, VersionedInlineFormSet, row_formset
from kooperation.network.models import Arbeitsfeld, Contact, Institution, Leader, Offer, Role, User


class InstitutionForm(VersionedModelForm):
    class Meta:
        model = Institution
        fields = [
            "name",
            "short_name",
            "arbeitsfeld",
            "description",
            "street",
            "postal_code",
            "city",
            "phone",
            "email",
            "website",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = Arbeitsfeld.objects.filter(is_active=True)
        if self.instance.pk:
            fields = Arbeitsfeld.objects.filter(Q(is_active=True) | Q(pk=self.instance.arbeitsfeld_id))
        self.fields["arbeitsfeld"].queryset = fields
        self.fields["arbeitsfeld"].empty_label = _("– bitte wählen –")
        self.helper = helper(
            Fieldset(
                _("Institution"),
                Row(Column("name", css_class="col-md-8"), Column("short_name", css_class="col-md-4")),
                "arbeitsfeld",
                "description",
            ),
            Fieldset(
                _("Anschrift und Erreichbarkeit"),
                "street",
                Row(Column("postal_code", css_class="col-md-4"), Column("city", css_class="col-md-8")),
                Row(Column("phone", css_class="col-md-6"), Column("email", css_class="col-md-6")),
                "website",
            ),
            "version",
        )


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "function", "responsibility", "phone", "email"]


class OfferForm(VersionedModelForm):
    class Meta:
        model = Offer
        fields = ["title", "target_group", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class LeaderForm(VersionedModelForm):
    class Meta:
        model = Leader
        fields = ["name", "function", "signs", "user"]

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        # Only accounts that hold the Leitung role in this institution may be linked.
        self.fields["user"].queryset = User.objects.filter(
            memberships__institution=institution, memberships__role=Role.LEITUNG
        ).distinct()
        self.fields["user"].empty_label = _("– kein Konto –")


class LeaderRowsFormSet(SharedChoicesMixin, VersionedInlineFormSet):
    shared_choice_fields = ("user",)


ContactFormSet = row_formset(Institution, Contact, ContactForm)
OfferFormSet = row_formset(Institution, Offer, OfferForm)
LeaderFormSet = row_formset(Institution, Leader, LeaderForm, LeaderRowsFormSet)


class ArbeitsfeldForm(VersionedModelForm):
    class Meta:
        model = Arbeitsfeld
        fields = ["name", "description", "position", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("name", "description", "position", "is_active", "version")


class InstitutionFilterForm(FilterForm):
    """The directory's filter: field of work and a search over names, offers and contacts."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=100)
    arbeitsfeld = forms.ModelChoiceField(
        label=_("Arbeitsfeld"),
        queryset=Arbeitsfeld.objects.filter(is_active=True),
        required=False,
        empty_label=_("Alle Arbeitsfelder"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("aktive")), ("inaktiv", _("deaktivierte")), ("alle", _("alle"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, Angebot oder Ansprechpartner/in")
        if not user.is_administration:
            del self.fields["status"]

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset.filter(is_active=True)
        data = self.cleaned_data
        status = data.get("status", "")
        if status == "":
            queryset = queryset.filter(is_active=True)
        elif status == "inaktiv":
            queryset = queryset.filter(is_active=False)
        if data["arbeitsfeld"]:
            queryset = queryset.filter(arbeitsfeld=data["arbeitsfeld"])
        return queryset.search(data["q"] or "")
