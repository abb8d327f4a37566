"""The signed review sheet: its ``review.json``, the 评审表 PDF, PAdES signing and
verification.
"""

__all__ = ["data", "render", "sign", "verify"]
