"""The partner network: fields of work, institutions, their contacts, offers and leadership."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kooperation.core.concurrency import Versioned

phone_validator = RegexValidator(
    r"^[0-9+()/ \-]{4,30}$",
    _("Bitte eine Telefonnummer nur mit Ziffern, Leerzeichen und + ( ) / - angeben."),
)
postal_code_validator = RegexValidator(r"^\d{5}$", _("Die Postleitzahl besteht aus fünf Ziffern."))


class HttpsURLField(models.URLField):
    """A URL field whose form field assumes https:// when the scheme is left out."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class Arbeitsfeld(Versioned):
    """A field of work such as Jugendhilfe or Drogenhilfe (admin-managed list)."""

    name = models.CharField(_("Bezeichnung"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("Arbeitsfeld")
        verbose_name_plural = _("Arbeitsfelder")

    def __str__(self) -> str:
        return self.name


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user) -> InstitutionQuerySet:
        """Active institutions for everyone signed in; deactivated ones only for Administration."""
        if not user.is_authenticated:
            return self.none()
        if user.is_administration:
            return self
        return self.filter(is_active=True)

    def search(self, text: str) -> InstitutionQuerySet:
        """Match name, short name, offers and contacts (seed 001: Transparenz über Angebote)."""
        text = text.strip()
        if not text:
            return self
        matching = (
            Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(city__icontains=text)
            | Q(offers__title__icontains=text)
            | Q(offers__description__icontains=text)
            | Q(offers__target_group__icontains=text)
            | Q(contacts__name__icontains=text)
            | Q(contacts__responsibility__icontains=text)
        )
        return self.filter(pk__in=self.model.objects.filter(matching).values("pk"))


class Institution(Versioned):
    """A partner organisation (Institution / Träger)."""

    name = models.CharField(_("Name"), max_length=200, unique=True)
    short_name = models.CharField(_("Kurzname"), max_length=40)
    arbeitsfeld = models.ForeignKey(
        Arbeitsfeld, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("Arbeitsfeld")
    )
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postleitzahl"), max_length=5, blank=True, validators=[postal_code_validator])
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)
    website = HttpsURLField(_("Website"), blank=True)
    description = models.TextField(_("Kurzbeschreibung"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Institution")
        verbose_name_plural = _("Institutionen")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("institution_detail", args=[self.pk])

    @property
    def phone_uri(self) -> str:
        """The phone number as a `tel:` link target: digits and a leading +, no spaces or separators."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}"

    @property
    def address_line(self) -> str:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.street, place) if part)


class Contact(Versioned):
    """An Ansprechpartner/in of an institution and what they are responsible for."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("Institution")
    )
    name = models.CharField(_("Name"), max_length=150)
    function = models.CharField(_("Funktion"), max_length=150, blank=True)
    responsibility = models.CharField(_("Zuständigkeit"), max_length=300)
    phone = models.CharField(_("Telefon"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Ansprechpartner/in")
        verbose_name_plural = _("Ansprechpartner/innen")

    def __str__(self) -> str:
        return self.name


class Offer(Versioned):
    """An Angebot of an institution."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="offers", verbose_name=_("Institution")
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    target_group = models.CharField(_("Zielgruppe"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Angebot")
        verbose_name_plural = _("Angebote")

    def __str__(self) -> str:
        return self.title


class Leader(Versioned):
    """A person of the institution's leadership (Leitung), possibly its signatory."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="leaders", verbose_name=_("Institution")
    )
    name = models.CharField(_("Name"), max_length=150)
    function = models.CharField(
        _("Funktion"),
        max_length=150,
        help_text=_("z. B. Geschäftsführung, Vorstand, Amtsleitung, Einrichtungsleitung"),
    )
    signs = models.BooleanField(_("unterzeichnet für die Institution"), default=False)
    user = models.ForeignKey(
        "network.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leader_entries",
        verbose_name=_("Benutzerkonto"),
        help_text=_("Optional: das Konto, mit dem diese Person in der Anwendung unterzeichnet."),
    )
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("Leitung")
        verbose_name_plural = _("Leitung")

    def __str__(self) -> str:
        return f"{self.name} ({self.function})"
