"""Check a digitally signed copy of a frozen contract with pyHanko.

Accepted only if every signature is intact and cryptographically valid, nothing added after
a signature changes the signed content, and the signed document's original revision is byte
for byte the frozen contract (its SHA-256 matches).
Whether the signer's certificate chains to a trusted root is reported, not required:
the partners' certificates come from many providers we cannot all list here.
"""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kooperation.core.errors import DomainError

logger = logging.getLogger(__name__)


def verify_signed_contract(data: bytes, original_size: int, original_sha256: str) -> str:
    """Return a German summary of the check, or raise DomainError saying why the file is refused."""
    if not data.startswith(b"%PDF-"):
        raise DomainError(_("Die Datei ist kein PDF."))
    if len(data) <= original_size or hashlib.sha256(data[:original_size]).hexdigest() != original_sha256:
        raise DomainError(
            _(
                "Das signierte PDF enthält nicht den eingefrorenen Vertrag dieser Revision "
                "(der Prüfwert SHA-256 der ursprünglichen Fassung stimmt nicht überein)."
            )
        )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        logger.info("signed contract could not be read", exc_info=True)
        raise DomainError(_("Das PDF ist beschädigt und kann nicht gelesen werden.")) from None
    if not signatures:
        raise DomainError(_("Das PDF enthält keine digitale Signatur."))
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    lines = []
    for signature in signatures:
        try:
            status = validate_pdf_signature(signature, context)
        except Exception:
            logger.info("signature validation failed", exc_info=True)
            raise DomainError(_("Eine Signatur im PDF ist beschädigt und kann nicht geprüft werden.")) from None
        if not status.intact or not status.valid:
            raise DomainError(
                _(
                    "Eine Signatur ist nicht intakt: Das PDF wurde nach dem Signieren verändert "
                    "oder die Signatur ist ungültig."
                )
            )
        if not status.docmdp_ok:
            # The signature is intact for its own revision, but a later, unsigned update changes what
            # the file shows (e.g. replaced page content): the upload is no longer the signed contract.
            raise DomainError(
                _(
                    "Das PDF wurde nach dem Signieren verändert: Ein späterer Nachtrag ändert den Inhalt "
                    "des signierten Vertrags."
                )
            )
        signer = status.signing_cert.subject.human_friendly if status.signing_cert else "?"
        lines.append(
            _("Signatur von %(signer)s intakt und gültig; Zertifikat %(trust)s.")
            % {
                "signer": signer,
                "trust": _("vertrauenswürdig") if status.trusted else _("ohne geprüfte Vertrauenskette"),
            }
        )
    lines.append(
        _("Die ursprüngliche Fassung ist der eingefrorene Vertrag (SHA-256 %(sha)s).") % {"sha": original_sha256}
    )
    return " ".join(lines)
