"""The encrypted dossier pack: the safe ZIP layer, the manifest schema, the candidates
list the secretariat writes, building a pack and opening one.
"""

__all__ = ["candidates", "errors", "manifest", "reader"]
