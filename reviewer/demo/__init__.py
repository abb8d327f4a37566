"""Practice data: a whole session with reviewers, candidates, a pack and signed sheets."""

__all__ = ["practice", "sheets"]
