"""The reviewer's core service (identity, workspace and open packs together) and the
export of signed sheets from it, and the overview of one's own scores; the GUI and
``sheet export`` call these.
"""

__all__ = ["draft", "export", "overview", "workstation"]
