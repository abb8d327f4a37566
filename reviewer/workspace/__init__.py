"""The reviewer's saved work: a sealed SQLite workspace with migrations, the records
it hands out, and the HMAC-chained audit log.
"""

__all__ = ["audit", "errors", "instance_lock", "model", "store"]
