"""A complete practice session built through the real pipeline.

``build_demo(out, reviewers, candidates)`` creates the secretariat's session, one
identity per reviewer (passphrase ``demo``), enrols them, writes fictional candidates
spread over the six categories with generated materials (PDFs with Chinese text,
images; the first two candidates' second works are a video and a recording), reads
them back through the candidates reader, and builds the pack. Names include rare
characters and minority-style names (𠮷, 䶮, 买买提·艾力), because real rosters do. Layout::

    OUT/session/            the secretariat's session folder
    OUT/reviewers/<n>/      each reviewer's home (usable as --home)
    OUT/materials/          generated attachments
    OUT/candidates.csv      the candidate list the pack was built from
    OUT/pack.rvpack         the pack, for every reviewer
    OUT/README.txt
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from reviewer.base import pdf_fonts
from reviewer.base.errors import ReviewerError
from reviewer.base.i18n import _
from reviewer.base.resources import demo_dir
from reviewer.pack.build import build_pack
from reviewer.pack.candidates import read_candidates
from reviewer.people.enrolment import parse_request, parse_response
from reviewer.people.identity import create_identity, load_identity
from reviewer.people.session import create_session, enroll, open_session, record_pack
from reviewer.rubric.file import bundled_rubrics
from reviewer.rubric.plan import load_plan

DEMO_PASSPHRASE = "demo"
SESSION_NAME = "2026年度广播电视和网络视听人才评审会（演示）"
SHORT_NAME = "2026年度人才评审会（演示）"  # the certificates' name: the full one is too long
PROGRAMME = "全国广播电视和网络视听领军人才工程"

REVIEWER_NAMES = [
    "张明华",
    "阿依古丽·买买提",
    "王𠮷",
    "格桑卓玛",
    "李䶮",
    "陈思远",
    "巴特尔",
    "刘晓燕",
    "热依拉·艾山",
    "赵国栋",
    "孙丽娟",
    "马俊",
]
CANDIDATE_NAMES = [
    "买买提·艾力",
    "王𠮷",
    "李䶮",
    "次仁旺堆",
    "古丽米拉·阿不都",
    "周雨桐",
    "欧阳志远",
    "乌兰其其格",
    "黄嘉怡",
    "阿卜杜拉·吐尔逊",
    "林海峰",
    "达瓦卓玛",
    "郑晓东",
    "韩雪",
    "朴成浩",
    "莫小凤",
    "吴建国",
    "扎西多吉",
    "高原",
    "那日苏",
    "许静怡",
    "杨光",
    "冯一鸣",
    "哈斯图雅",
]
AFFILIATIONS = [
    "新疆广播电视台",
    "西藏广播电视台",
    "内蒙古广播电视台",
    "云南广播电视台",
    "中央广播电视总台",
    "上海广播电视台",
    "湖南广播电视台",
    "广西广播电视台",
    "宁夏广播电视台",
    "独立制片人",
    "网络视听平台主播",
]
REGIONS = [
    "新疆维吾尔自治区",
    "西藏自治区",
    "内蒙古自治区",
    "云南省",
    "北京市",
    "上海市",
    "湖南省",
    "广西壮族自治区",
    "宁夏回族自治区",
    "浙江省",
    "四川省",
]
WORK_KINDS = {
    "news": ["系列报道", "新闻专题", "评论节目"],
    "arts": ["电视剧", "纪录片", "网络剧"],
    "basic_research": ["研究报告", "学术专著", "技术论证"],
    "applied_research": ["技术方案", "系统平台", "标准草案"],
    "management": ["经营报告", "产业项目", "管理案例"],
    "international": ["国际合作节目", "对外传播专题", "中外合拍片"],
}
BORDER_REGIONS = {
    "新疆维吾尔自治区",
    "西藏自治区",
    "内蒙古自治区",
    "广西壮族自治区",
    "宁夏回族自治区",
    "云南省",
}


# (file, kind of work): an 8-second H.264/AAC video with a Chinese caption and 6 seconds
# of speech, committed small so that building the demo needs no encoder.
AUDIOVISUAL_WORKS = (("video-work.mp4", "电视专题片"), ("audio-work.mp3", "广播节目"))


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    session: Path
    reviewers: tuple[Path, ...]
    pack: Path
    pack_id: str


class DemoError(ReviewerError):
    pass


def _png(width: int, height: int, seed: int) -> bytes:
    """A small PNG (a coloured gradient), written without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes(
                ((x * 255 // width + seed * 40) % 256, (y * 255 // height), (seed * 70) % 256)
            )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _work_pdf(title: str, candidate: str, kind: str, year: int, quote: str) -> bytes:
    """A two-page PDF standing in for a representative work, in Chinese."""
    font = pdf_fonts.sheet_fonts().primary
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    width, height = A4
    for page in (1, 2):
        pdf_fonts.draw_string(pdf, 60, height - 80, f"《{title}》", 20)
        pdf_fonts.draw_string(pdf, 60, height - 110, f"{kind} · {year} · 作者：{candidate}", 12)
        pdf.setFont(font, 11)
        y = height - 160
        body = (
            f"本作品为演示材料，第 {page} 页。作品围绕“{quote[:24]}”展开，"
            "记录基层一线的真实故事，体现社会效益与传播效果。"
        )
        for start in range(0, len(body), 38):
            pdf_fonts.draw_string(pdf, 60, y, body[start : start + 38], 11)
            y -= 18
        pdf.setFont(font, 9)
        pdf.drawString(60, 40, f"第 {page} 页 共 2 页")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _write_materials(folder: Path, count: int) -> list[dict[str, str]]:
    rubrics = bundled_rubrics()
    plan = load_plan()
    rows = []
    for i in range(count):
        rubric = rubrics[i % len(rubrics)]
        cid = f"C{i + 1:03d}"
        name = CANDIDATE_NAMES[i % len(CANDIDATE_NAMES)]
        if i >= len(CANDIDATE_NAMES):
            name += str(i // len(CANDIDATE_NAMES) + 1)
        region = REGIONS[i % len(REGIONS)]
        kinds = WORK_KINDS[rubric.id]
        quote = rubric.source.quote
        assert plan.contains(rubric.source.section, quote)
        row = {
            "编号": cid,
            "姓名": name,
            "类别": rubric.id,
            "人才计划/项目": PROGRAMME,
            "工作单位": AFFILIATIONS[i % len(AFFILIATIONS)],
            "地区": region,
            "中西部/边疆/民族地区": "是" if region in BORDER_REGIONS else "否",
            "新文艺群体": "是"
            if AFFILIATIONS[i % len(AFFILIATIONS)] in ("独立制片人", "网络视听平台主播")
            else "否",
        }
        (folder / cid).mkdir(parents=True, exist_ok=True)
        for n in (1, 2):
            title = f"{rubric.category.zh}代表作{n}：{name}作品"
            kind = kinds[n % len(kinds)]
            year = 2021 + (i + n) % 5
            if n == 2 and i < len(AUDIOVISUAL_WORKS):
                # The first candidates' second works are a real video and a real recording.
                source, kind = AUDIOVISUAL_WORKS[i]
                file = f"{cid}/work{n}{Path(source).suffix}"
                shutil.copyfile(demo_dir() / source, folder / file)
            else:
                file = f"{cid}/work{n}.pdf"
                (folder / file).write_bytes(_work_pdf(title, name, kind, year, quote))
            row.update(
                {
                    f"代表作{n}标题": title,
                    f"代表作{n}类型": kind,
                    f"代表作{n}年份": str(year),
                    f"代表作{n}文件": file,
                }
            )
        (folder / cid / "photo.png").write_bytes(_png(320, 200, i))
        (folder / cid / "summary.txt").write_text(
            f"{name}，{row['工作单位']}。\n本文件为演示用的候选人简介（纯文本）。\n",
            encoding="utf-8",
        )
        row["其他材料"] = f"{cid}/photo.png;{cid}/summary.txt"
        rows.append(row)
    return rows


def build_demo(
    out: Path,
    reviewers: int = 3,
    candidates: int = 12,
    progress: Callable[[str], None] | None = None,
    seal: bool = False,
) -> DemoResult:
    say = progress or (lambda _m: None)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise DemoError(_("{folder} is not empty; choose a new folder").format(folder=out))
    if not 1 <= reviewers <= len(REVIEWER_NAMES):
        raise DemoError(_("between 1 and {n} reviewers").format(n=len(REVIEWER_NAMES)))
    if not 1 <= candidates <= 500:
        raise DemoError(_("between 1 and 500 candidates"))
    out.mkdir(parents=True, exist_ok=True)

    say(_("creating the session and its CA"))
    session = create_session(
        out / "session",
        SESSION_NAME,
        DEMO_PASSPHRASE,
        programme=PROGRAMME,
        seal_sheets=seal,
        short_name=SHORT_NAME,
    )
    ca_key = session.load_ca_key(DEMO_PASSPHRASE)
    homes = []
    for n in range(1, reviewers + 1):
        name = REVIEWER_NAMES[n - 1]
        say(_("creating reviewer {n}: {name}").format(n=n, name=name))
        home = out / "reviewers" / str(n)
        unlocked = create_identity(home, name, DEMO_PASSPHRASE)
        request = parse_request(unlocked.enrolment_request())
        _entry, response, _outcome = enroll(session, request, None, ca_key=ca_key)
        load_identity(home).accept(parse_response(response))
        homes.append(home)

    say(_("writing {n} candidates and their materials").format(n=candidates))
    materials = out / "materials"
    rows = _write_materials(materials, candidates)
    csv_path = out / "candidates.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    say(_("building the pack"))
    session = open_session(out / "session")
    checked = read_candidates(csv_path, materials)
    built = build_pack(
        out / "pack.rvpack",
        session_id=session.id,
        session_name=session.name,
        candidates=checked,
        recipients=[entry.age_recipient for entry in session.active],
        signer_key=session.load_secretariat_key(DEMO_PASSPHRASE),
        signer_cert=session.secretariat_certificate,
        seal_recipient=session.seal_recipient,
        escrow_recipient=session.escrow_recipient,
        withdrawn=session.withdrawn_certificates,
    )
    record_pack(
        session,
        built.pack_id,
        dt.datetime.now(dt.UTC),
        session.active,
        candidates=[c.id for c in checked],
    )
    (out / "README.txt").write_text(
        _(
            "Practice session: {name}\n"
            "Every passphrase (the session's and each reviewer's) is: {pp}\n\n"
            "session/        the secretariat's session folder\n"
            "reviewers/N/    reviewer N's home; open it with: reviewer-app --home reviewers/N "
            "--pack pack.rvpack\n"
            "pack.rvpack     the dossier pack, encrypted to every reviewer\n"
            "candidates.csv  the candidate list, and materials/ the files it names\n"
        ).format(name=SESSION_NAME, pp=DEMO_PASSPHRASE),
        encoding="utf-8",
    )
    say(_("done"))
    return DemoResult(out, out / "session", tuple(homes), built.path, built.pack_id)
