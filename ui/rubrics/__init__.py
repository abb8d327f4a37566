"""The rubric browser and its window (``reviewer-app --rubrics``)."""

__all__ = ["browser", "window"]
