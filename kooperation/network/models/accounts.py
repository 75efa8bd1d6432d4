"""User accounts and their memberships (roles per institution)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models, router
from django.utils.translation import gettext_lazy as _

from kooperation.core.compiled import CompiledQuery


def _user_query(pk):
    return User.objects.filter(pk=pk).order_by()


def _user_params(connection, pk):
    return [User._meta.pk.get_db_prep_value(pk, connection)]


# ModelBackend.get_user loads the signed-in user with `get(pk=…)` on every request.
_USER_BY_PK = CompiledQuery(_user_query, _user_params)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get(self, *args, **kwargs):
        """Like QuerySet.get; `get(pk=<int>)` (the signed-in user, every request) runs precompiled SQL."""
        pk = kwargs.get("pk")
        if args or len(kwargs) != 1 or type(pk) is not int or self._db is not None or self._hints:
            return super().get(*args, **kwargs)
        rows = _USER_BY_PK.fetch(router.db_for_read(self.model), pk)
        if not rows:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        return rows[0]

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
