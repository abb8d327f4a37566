"""The secretariat's set-up in the window (会话设置): a new session through its dialog,
a real reviewer's enrolment request checked by its fingerprint, and a pack built with
the worker and opened with the reviewer's identity; refusals say what the CLI says."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from reviewer.cli import main
from reviewer.pack.candidates import CandidatesError
from reviewer.pack.reader import open_pack
from reviewer.people.enrolment import fingerprint_groups, parse_response
from reviewer.people.identity import create_identity, write_request
from reviewer.people.session import open_session, pack_record
from reviewer.secretariat import setup
from ui.secretariat import setup_dialogs
from ui.secretariat.window import SecretariatWindow

pytestmark = pytest.mark.usefixtures("synchronous_worker")

# Typed with keyClicks, which QTest allows in Latin-1 only; names are set as pasted.
PASSPHRASE = "secretariat passphrase 2026"


def fill_new_session(qtbot, folder: Path, passphrase: str, repeat: str, quorum: str = ""):
    def exec_(dialog: setup_dialogs.NewSessionDialog) -> int:
        dialog.folder.edit.setText(str(folder))
        dialog.name.setText("2026年度新闻传播人才评审")
        dialog.short_name.setText("新闻评审")
        exec_.quorum_hint = dialog.quorum_hint.text()
        if quorum:
            dialog.quorum.setCurrentText(quorum)
        qtbot.keyClicks(dialog.passphrase, passphrase)
        qtbot.keyClicks(dialog.repeat, repeat)
        exec_.strength = dialog.hint.text()
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        exec_.error = dialog.error.text()
        return dialog.result()

    return exec_


def test_the_new_session_dialog_refuses_what_the_cli_refuses(
    qtbot, tmp_path, monkeypatch, messages, capsys
):
    window = SecretariatWindow()
    qtbot.addWidget(window)
    differ = fill_new_session(qtbot, tmp_path / "s", PASSPHRASE, PASSPHRASE + "x")
    monkeypatch.setattr(setup_dialogs.NewSessionDialog, "exec", differ)
    window.new_session()
    assert differ.error == "两次输入的口令不一致。"
    weak = fill_new_session(qtbot, tmp_path / "s", "abc", "abc")
    monkeypatch.setattr(setup_dialogs.NewSessionDialog, "exec", weak)
    window.new_session()
    assert weak.error.startswith("强度：") and weak.error == weak.strength
    assert weak.quorum_hint == "须有⅔的委员会成员出席会议"  # the default rule
    over = fill_new_session(qtbot, tmp_path / "s", PASSPHRASE, PASSPHRASE, quorum="3/2")
    monkeypatch.setattr(setup_dialogs.NewSessionDialog, "exec", over)
    window.new_session()
    code = main(["session", "init", str(tmp_path / "s"), "--name", "评审", "--quorum", "3/2"])
    assert code == 1 and over.error == capsys.readouterr().err.strip()
    assert window.session is None and not (tmp_path / "s").exists() and not messages
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("x")
    monkeypatch.setattr(
        setup_dialogs.NewSessionDialog,
        "exec",
        fill_new_session(qtbot, used, PASSPHRASE, PASSPHRASE),
    )
    window.new_session()
    assert messages == [f"warning: {used} 已存在，且不是空文件夹"] and window.session is None


def test_set_up_a_session_enrol_a_reviewer_and_build_their_pack(
    qtbot, tmp_path, monkeypatch, messages, demo, capsys
):
    window = SecretariatWindow()
    qtbot.addWidget(window)
    folder = tmp_path / "session"
    monkeypatch.setattr(
        setup_dialogs.NewSessionDialog,
        "exec",
        fill_new_session(qtbot, folder, PASSPHRASE, PASSPHRASE, quorum="4/5"),
    )
    window.new_session()
    assert window.session is not None and window.session.folder == folder
    assert open_session(folder).quorum == Fraction(4, 5)
    assert "法定人数 4/5" in window.session_label.text()
    assert window.session.name == "2026年度新闻传播人才评审"
    ca_line = f"评审会根证书 SHA-256：{setup.ca_fingerprint(window.session)}"
    assert any(ca_line in m for m in messages), messages

    # A reviewer's real request, made on their side with the core API.
    reviewer = create_identity(tmp_path / "home", "阿依古丽·买买提", "reviewer passphrase 1")
    request = tmp_path / "request.json"
    write_request(request, reviewer.enrolment_request())
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a: ([str(request)], ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a: (PASSPHRASE, True))
    # Not confirmed on the phone: nothing is written, nobody enrolled.
    monkeypatch.setattr(setup_dialogs.EnrolmentCheck, "exec", lambda d: d.reject() or d.result())
    window.import_enrolment_requests()
    assert not setup.response_path(request).exists() and not window.session.active
    shown: list[tuple[str, str]] = []

    def confirm(dialog: setup_dialogs.EnrolmentCheck) -> int:
        shown.append((dialog.name.text(), dialog.fingerprint.text()))
        dialog.confirm.click()
        return dialog.result()

    monkeypatch.setattr(setup_dialogs.EnrolmentCheck, "exec", confirm)
    window.import_enrolment_requests()
    fp = reviewer.key_fingerprint
    assert shown == [("阿依古丽·买买提", " ".join(fp[i : i + 4] for i in range(0, 64, 4)))]
    assert shown[0][1] == fingerprint_groups(fp)  # what the reviewer's wizard shows
    response = setup.response_path(request)
    reviewer.identity.accept(parse_response(response.read_bytes()))
    assert [e.name for e in window.session.active] == ["阿依古丽·买买提"]

    # Building the pack: the demo's candidate list and materials.
    pack = tmp_path / "pack.rvpack"

    def build_with(candidates: Path):
        def exec_(dialog: setup_dialogs.BuildPackDialog) -> int:
            dialog.candidates.edit.setText(str(candidates))
            dialog.materials.edit.setText(str(demo.folder / "materials"))
            dialog.out.edit.setText(str(pack))
            qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
            return dialog.result()

        return exec_

    # Cancel, clicked at the first progress report: nothing is left behind.
    monkeypatch.setattr(
        setup_dialogs.BuildPackDialog, "exec", build_with(demo.folder / "candidates.csv")
    )
    monkeypatch.setattr(window, "_build_progressed", lambda d, t: window.cancel_button.click())
    messages.clear()
    window.build_pack()
    assert not pack.exists() and not list(tmp_path.glob("*.tmp*")), messages
    assert window.status.text() == "已取消生成评审包；没有写出任何评审包。"
    assert not window.busy and not messages

    progress: list[tuple[int, int]] = []
    monkeypatch.setattr(window, "_build_progressed", lambda d, t: progress.append((d, t)))
    window.build_pack()
    assert pack.is_file(), messages
    assert progress and progress[-1][0] == progress[-1][1]
    enrolment = reviewer.enrolments[window.session.id]
    with open_pack(
        pack,
        reviewer.age_identity,
        enrolment.ca_certificate,
        expected_session_id=window.session.id,
        secretariat_sha256=enrolment.secretariat_sha256,
    ) as opened:
        assert len(opened.manifest.candidates) == 6
    assert pack_record(open_session(folder), opened.pack_id) is not None

    # A bad candidate list: the window lists the problems the CLI prints.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,姓名,类别,代表作1标题,代表作1类型,代表作1年份,代表作1文件\n"
        "A1,甲,nonsense,作品,纪录片,2024,none.pdf\n"
        "A1,,arts,作品,纪录片,1800,../../etc/passwd\n",
        encoding="utf-8",
    )
    messages.clear()
    monkeypatch.setattr(setup_dialogs.BuildPackDialog, "exec", build_with(bad))
    window.build_pack()
    with pytest.raises(CandidatesError) as refused:
        setup.read_pack_candidates(window.session, bad, demo.folder / "materials")
    problems = [str(p) for p in refused.value.problems]
    assert len(problems) >= 4 and len(messages) == 1
    monkeypatch.setenv("REVIEWER_PASSPHRASE", PASSPHRASE)
    code = main(
        ["pack", "build", str(folder), "--candidates", str(bad), "--materials",
         str(demo.folder / "materials"), "--out", str(tmp_path / "x.rvpack")]
    )  # fmt: skip
    cli = capsys.readouterr().err
    assert code == 1
    for problem in problems:
        assert f"• {problem}" in messages[0] and problem in cli
    assert not window.busy and "Traceback" not in messages[0]
    assert window.session.folder == folder
