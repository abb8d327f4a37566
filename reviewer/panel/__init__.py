"""Forming the panels before any pack is built (专业评议组): drawing experts from a pool
with a published seed (``draw``), flagging and deciding conflicts of interest by rule
(``conflicts``), and assigning reviewers to candidates (``assignment``). The planning
files the secretariat writes by hand are read by ``table``, the candidate list's planning
columns by ``candidates``.
"""

__all__ = ["assignment", "candidates", "conflicts", "draw", "table"]
