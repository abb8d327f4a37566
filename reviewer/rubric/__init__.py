"""What is scored: the plan's text, the rubric model with its canonical fingerprint,
strict reading of rubric files, and the plan's 破四唯 rule.
"""

__all__ = ["file", "four_onlys", "model", "plan"]
