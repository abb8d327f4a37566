"""Secrets and signatures below any format: AES-GCM sealing, passphrase-sealed key
files, detached CMS, which certificate is the secretariat's, obtaining a passphrase and
the OS secret store behind a small interface, a seekable reader of age files, and an age
identity exported for the standard age tool.
"""

__all__ = [
    "age_export",
    "age_stream",
    "cms",
    "passphrase",
    "passphrase_strength",
    "roles",
    "secret_file",
    "secret_store",
    "vault",
]
