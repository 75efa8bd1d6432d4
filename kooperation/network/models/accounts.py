"""User accounts and their memberships (roles per institution)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        """Find the account for a sign-in: addresses are stored in lower case, people type them in any."""
        return self.get(email=str(username).strip().lower())

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_administration=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person signing in with their e-mail address."""

    username = None
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    is_administration = models.BooleanField(
        _("Administration"),
        default=False,
        help_text=_("Verwaltet Institutionen, Arbeitsfelder, Benutzerkonten und Kataloge."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("Benutzer/in")
        verbose_name_plural = _("Benutzer/innen")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    KOORDINATION = "koordination", _("Koordination")
    MITGLIED = "mitglied", _("Mitglied")
    LEITUNG = "leitung", _("Leitung")
    FACHKRAFT = "fachkraft", _("Fachkraft")


class Membership(models.Model):
    """A user's role in one institution; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Person"))
    institution = models.ForeignKey(
        "network.Institution",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("Institution"),
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("seit"), auto_now_add=True)

    class Meta:
        ordering = ["institution__name", "role"]
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role"], name="membership_unique_role_per_institution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.institution} ({self.get_role_display()})"
