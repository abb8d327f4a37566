"""The encrypted dossier pack: the safe ZIP layer, the manifest schema, the candidates
list the secretariat writes, the public header, building a pack and opening one, and
reading one attachment piece by piece.
"""

__all__ = ["build", "candidates", "errors", "header", "manifest", "reader", "stream"]
