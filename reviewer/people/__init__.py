"""Who is who: the reviewer's home and keys, the session CA, the secretariat's session
folder and the enrolment files exchanged between them.
"""

__all__ = ["ca", "enrolment", "home", "identity", "quorum", "session"]
