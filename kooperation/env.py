"""Typed environment variables that fail loudly on bad values."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str:
    """Return a string variable, or the default; a missing required one is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; anything but true/false spellings is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    """Return an integer variable, refusing non-numbers and values below minimum."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def default_storage_from_env() -> dict:
    """The STORAGES["default"] entry: local disk, or a private S3-compatible bucket if DJANGO_S3_BUCKET is set."""
    bucket = env_str("DJANGO_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    sse = env_str("DJANGO_S3_SSE", "")
    if sse not in {"", "AES256", "aws:kms"}:
        raise ImproperlyConfigured(f"DJANGO_S3_SSE={sse!r} is not one of AES256, aws:kms.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("DJANGO_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("DJANGO_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("DJANGO_S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("DJANGO_S3_REGION", "") or None,
            "default_acl": None,  # private objects: no public-read, the bucket policy decides
            "querystring_auth": True,  # any URL the storage makes is signed and short-lived
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": sse} if sse else {},
        },
    }
