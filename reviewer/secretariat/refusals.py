"""The refusals the sheet import adds to ``verify_sheet``'s own, and their messages.

A code is stable (the refused-sheets table and the cache keep it); its message is
marked for the catalogue here and translated each time a refusal is made.
"""

from __future__ import annotations

from reviewer.base.i18n import N_, _

# Codes of the refusals added here (verify_sheet has its own: signature_invalid,
# untrusted, modified, appended, not_pdf, signature_count, no_data, two_data, schema,
# wrong_signer, other_session, other_pack, too_large).
_MESSAGES: dict[str, str] = {
    "sealed": N_("a sealed sheet (.pdf.age): give the session passphrase to open it"),
    "sealed_foreign": N_(
        "a sealed sheet that the secretariat's key cannot open (sealed to someone else, or damaged)"
    ),
    "unreadable": N_("the file cannot be read"),
    "symlink": N_("a symbolic link: not followed (copy the sheet itself into the folder)"),
    "not_a_file": N_("not a regular file (a pipe or a device): not read"),
    "too_large": N_("the file is too large to be a review sheet"),
    "not_on_roster": N_("the signer is not on this session's roster"),
    "withdrawn": N_("the signer's certificate was withdrawn by the secretariat"),
    "unknown_pack": N_(
        "the sheet was made from a pack the secretariat did not build for this session"
    ),
    "other_manifest": N_(
        "the sheet names one of the session's packs but was scored from another manifest "
        "than the one the secretariat signed"
    ),
    "unknown_rubric": N_("the sheet uses a rubric that is not one of this session's"),
    "rubric_mismatch": N_("the sheet's rubric differs from the session's version of it"),
    "wrong_category": N_("the sheet uses another category's rubric than the candidate list names"),
    "unknown_candidate": N_("the candidate is not on the candidate list"),
    "inconsistent_total": N_("the total on the sheet does not match its scores"),
    "verify_error": N_("the sheet could not be checked"),
}


def refusal_message(code: str) -> str:
    """The translated message of one of this module's refusal codes."""
    return _(_MESSAGES[code]) if code in _MESSAGES else code


__all__ = ["refusal_message"]
