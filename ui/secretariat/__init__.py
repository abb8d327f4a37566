"""The secretariat's window: importing sheets, rankings, candidate detail and the
summary.
"""

__all__ = ["window"]
