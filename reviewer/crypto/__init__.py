"""Secrets and signatures below any format: AES-GCM sealing, passphrase-sealed key
files, detached CMS, which certificate is the secretariat's, obtaining a passphrase and
the OS secret store behind a small interface, and a seekable reader of age files.
"""

__all__ = [
    "age_stream",
    "cms",
    "passphrase",
    "passphrase_strength",
    "roles",
    "secret_file",
    "secret_store",
    "vault",
]
