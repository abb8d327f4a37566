"""One reviewer's review of one candidate: conflict and recusal, checks, scores,
opinion, recommendation; its evaluation and its JSON form; what they watched of the
candidate's audiovisual works, and the session's rule on it.
"""

__all__ = ["review_json", "scoring", "viewing"]
