"""What a session certificate is for: the secretariat's carries a private policy OID.

Every certificate of a session is issued by the same CA, so "issued by the session CA"
alone cannot tell the secretariat from a reviewer: a reviewer holding their own key
could sign a pack that every other reviewer would accept. The secretariat's signing
certificate therefore carries a certificatePolicies extension (non-critical, so that
OpenSSL, pyHanko and poppler's ``pdfsig`` still accept it for PAdES) with
``SECRETARIAT_POLICY``; reviewer certificates never do.

The OID is under ``2.25`` (ITU-T X.667: an OID made from a UUID, unique without
registration), from the UUID 2819c01e-fa81-4a23-b290-963b1cb67c48.

API:
    SECRETARIAT_POLICY: x509.ObjectIdentifier
    secretariat_policy() -> x509.CertificatePolicies      # the extension to add
    is_secretariat(cert) -> bool                          # carries the policy
"""

from __future__ import annotations

from cryptography import x509

SECRETARIAT_POLICY = x509.ObjectIdentifier("2.25.53302823929876336155206349092348656712")


def secretariat_policy() -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(SECRETARIAT_POLICY, None)])


def is_secretariat(cert: x509.Certificate) -> bool:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except (x509.ExtensionNotFound, x509.DuplicateExtension, ValueError):
        return False
    return any(p.policy_identifier == SECRETARIAT_POLICY for p in policies)


__all__ = ["SECRETARIAT_POLICY", "is_secretariat", "secretariat_policy"]
