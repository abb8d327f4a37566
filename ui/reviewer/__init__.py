"""The reviewer's window: first run, lock screen and idle lock, the candidate list,
the candidate page with materials and the scoring panel.
"""

__all__ = ["first_run", "window"]
