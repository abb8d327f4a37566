"""The reviewer's core service (identity, workspace and open packs together) and the
export of signed sheets from it; the GUI and ``sheet export`` call these.
"""

__all__ = ["export", "workstation"]
