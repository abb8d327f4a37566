"""The reviewer's window: first run, lock screen and idle lock, the candidate list,
the candidate page with materials and the scoring panel, and the player of audiovisual
works (which the GUI self-test plays a video with).
"""

__all__ = ["first_run", "media_player", "media_stream", "window"]
