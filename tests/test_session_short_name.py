"""A session's certificates carry its name whole, or a short name the secretariat sets
(issue #17): never a name cut to fit the 64 bytes of a certificate's CN."""

from __future__ import annotations

from reviewer.cli import main
from reviewer.people import ca
from reviewer.people.session import open_session

LONG = "2026年度全国广播电视和网络视听人才评审委员会"  # 64 bytes: 74 with " 秘书处"
SHORT = "2026年度视听人才评审会"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_name_too_long_for_the_certificates_needs_a_short_name(tmp_path, capsys):
    passfile = tmp_path / "pass.txt"
    passfile.write_text("短名称 评审会 secret\n", encoding="utf-8")
    init = ("session", "init", "--name", LONG, "--passphrase-file", str(passfile))
    code, _, err = run(capsys, *init, str(tmp_path / "a"))
    assert code == 1 and "too long for the session's certificates" in err
    assert "--short-name" in err and not (tmp_path / "a").exists()

    code, _, err = run(capsys, *init, str(tmp_path / "b"), "--short-name", SHORT)
    assert code == 0, err
    session = open_session(tmp_path / "b")
    assert session.name == LONG  # the name everyone reads stays whole
    assert ca.common_name(session.secretariat_certificate.subject) == f"{SHORT} 秘书处"
    assert ca.common_name(session.ca_certificate.subject) == f"{SHORT} CA"
