"""The encrypted dossier pack: the safe ZIP layer, the manifest schema, the candidates
list the secretariat writes (and its cell reader, shared by every table the secretariat
fills in), what each material file is (by content), the public header,
building a pack and opening one, and reading one attachment piece by piece.
"""

__all__ = [
    "build",
    "candidate_sheet",
    "candidates",
    "errors",
    "header",
    "manifest",
    "media_probe",
    "reader",
    "sniff",
    "stream",
]
