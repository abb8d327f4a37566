"""One reviewer's review of one candidate: conflict and recusal, checks, scores,
opinion, recommendation; its evaluation and its JSON form.
"""

__all__ = ["review_json", "scoring"]
