"""The encrypted dossier pack: the safe ZIP layer, the manifest schema, the candidates
list the secretariat writes, what each material file is (by content), the public header,
building a pack and opening one, and reading one attachment piece by piece.
"""

__all__ = [
    "build",
    "candidates",
    "errors",
    "header",
    "manifest",
    "media_probe",
    "reader",
    "sniff",
    "stream",
]
