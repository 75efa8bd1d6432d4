"""Second factor: TOTP apps and one-time backup codes, with django-otp.

Why django-otp: it is a long-maintained Jazzband project that plugs into Django's own
authentication (devices are ordinary models per user, verified with `verify_token`, with
replay protection and per-device throttling built in) and needs no external service —
the codes are computed on the phone and checked on our server. QR codes for enrolment are
drawn on the server as inline SVG with segno (no CDN, no JavaScript).

Who must use it: `settings.KOOPERATION_2FA_REQUIRED_ROLES` (default Administration and
Leitung); everybody else may.
"""

from __future__ import annotations

import base64
import binascii

import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import Role
from kooperation.network.scope import memberships
from kooperation.network.security import Kind, record

# Session keys: the sign-in state of a session, and the password-checked user waiting for the code step.
SESSION_STATE = "kooperation_2fa"
VERIFIED = "verified"  # signed in with password and second factor
PASSWORD_ONLY = "password"  # noqa: S105 - a session state, not a password: no second factor set up or required
PENDING_SESSION_KEY = "kooperation_2fa_pending"

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator-App"
BACKUP_DEVICE_NAME = "Sicherungscodes"


def requires_second_factor(user) -> bool:
    """True if the user's roles make a second factor mandatory (see KOOPERATION_2FA_REQUIRED_ROLES)."""
    required = set(settings.KOOPERATION_2FA_REQUIRED_ROLES)
    if "administration" in required and user.is_administration:
        return True
    member_roles = required & set(Role.values)
    if not member_roles:
        return False
    return any(m.role in member_roles for m in memberships(user))


def app_device(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, so the QR code stays the same on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    device.user = user  # the QR code's label; saves loading the account again
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing it into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice, title: str) -> str:
    """The device's otpauth:// address as an inline SVG QR code (drawn here, no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=title, svgclass="qr-code")


def key_from_base32(secret: str) -> str:
    """A base32 secret (as apps show it) → the hex key django-otp stores."""
    cleaned = secret.replace(" ", "").upper()
    cleaned += "=" * (-len(cleaned) % 8)
    try:
        return binascii.hexlify(base64.b32decode(cleaned)).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a base32 secret") from exc


def _tell_owner(user, message: str) -> None:
    """Mail the account holder about a change to their second factor, so a stranger's change gets noticed."""
    notify(
        [user],
        _("Ihre Zwei-Faktor-Anmeldung wurde geändert"),
        message + " " + _("Waren Sie das nicht, wenden Sie sich bitte sofort an die Administration."),
        reverse("two_factor"),
        kind=NotificationKind.SECURITY,
    )


def _normalise(code: str) -> str:
    return "".join(str(code).split()).lower()


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice, code: str, *, request=None) -> list[str] | None:
    """Confirm a pending app with its first code; return the new backup codes, or None if the code is wrong."""
    if not device.verify_token(_normalise(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    record(Kind.OTP_ENROLLED, user=user, actor=user, request=request, detail="Authenticator-App bestätigt")
    _tell_owner(user, _("Für Ihr Konto wurde eine Authenticator-App eingerichtet."))
    return codes


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def renew_backup_codes(user, *, request=None) -> list[str]:
    """Replace all backup codes with ten new ones (shown once)."""
    codes = _new_backup_codes(user)
    record(Kind.BACKUP_CODES_RENEWED, user=user, actor=user, request=request)
    return codes


def remaining_backup_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user, code: str, *, request=None):
    """Check a code from the app or a backup code (used up on success). Return the device, or None."""
    token = _normalise(code)
    if not token:
        return None
    if token.isdigit():
        device = app_device(user)
        if device is not None and device.verify_token(token):
            return device
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            record(
                Kind.BACKUP_CODE_USED,
                user=user,
                actor=user,
                request=request,
                detail=f"noch {remaining_backup_codes(user)} Sicherungscodes übrig",
            )
            return device
    return None


@transaction.atomic
def remove_all(user) -> int:
    """Delete the user's app and backup codes; return how many devices were removed."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    static_count = StaticDevice.objects.filter(user=user).count()
    StaticDevice.objects.filter(user=user).delete()
    return count + static_count


def remove_own(user, *, request=None) -> None:
    remove_all(user)
    record(Kind.OTP_REMOVED, user=user, actor=user, request=request)
    _tell_owner(user, _("Die Zwei-Faktor-Anmeldung Ihres Kontos wurde entfernt."))


def reset_for(account, actor, reason: str, *, request=None) -> None:
    """Administration resets another person's second factor; the reason goes to the security log."""
    if account.pk == actor.pk:
        raise ValueError("nobody resets their own second factor")
    remove_all(account)
    record(Kind.OTP_RESET, user=account, actor=actor, request=request, detail=f"Begründung: {reason}")
    _tell_owner(account, _("Die Administration hat die Zwei-Faktor-Anmeldung Ihres Kontos zurückgesetzt."))


def enrol_with_secret(user, secret_base32: str) -> TOTPDevice:
    """Give a user a confirmed app with a known secret (demo data and tests only)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=APP_DEVICE_NAME, confirmed=True, key=key_from_base32(secret_base32)
    )


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an app would show now, or at the Unix time `at` (demo_totp and tests)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        generator.time = at
    return f"{generator.token():0{device.digits}d}"
