"""What both windows share: actions and menus, showing errors, fonts, labels,
translation, the welcome page, first-paint timing and the one worker helper for slow
work.
"""

__all__ = [
    "actions",
    "errors",
    "first_paint",
    "fonts",
    "labels",
    "screen_fit",
    "translation",
    "welcome_page",
    "window_keys",
    "worker",
]
