"""The secretariat's window: the session's set-up (a new session, enrolment, the
pack), importing sheets, rankings, candidate detail and the summary.
"""

__all__ = ["window"]
