"""The national plan's text, split into its numbered sections.

Every rubric quote must be found verbatim inside the section it names, so a committee
can trace each criterion back to the plan (全国广播电视和网络视听“十四五”人才发展规划).
Section keys look like ``五``, ``五（一）`` or ``专栏2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reviewer.base.resources import plan_text_path

PLAN_TITLE = "全国广播电视和网络视听“十四五”人才发展规划"

_TOP = re.compile(r"^([一二三四五六七八九十]+)、")
_SUB = re.compile(r"^（([一二三四五六七八九十]+)）")
_BOX = re.compile(r"^\s*专栏\s*(\d+)")


@dataclass(frozen=True)
class Plan:
    title: str
    sections: dict[str, str]

    def section_text(self, key: str) -> str | None:
        return self.sections.get(normalise_section(key))

    def contains(self, key: str, quote: str) -> bool:
        text = self.section_text(key)
        return text is not None and _squash(quote) in _squash(text)

    def locate(self, quote: str) -> list[str]:
        """Every section whose text contains the quote (innermost sections included)."""
        needle = _squash(quote)
        return [k for k, text in self.sections.items() if needle and needle in _squash(text)]


def normalise_section(key: str) -> str:
    return key.strip().replace("(", "（").replace(")", "）").replace(" ", "")


def _squash(text: str) -> str:
    # Quotes are compared without white space so a line break in a rubric file's
    # multi-line string does not break the match.
    return re.sub(r"\s+", "", text)


def parse_plan(text: str) -> Plan:
    lines = text.splitlines()
    title = lines[0].strip() if lines else PLAN_TITLE
    sections: dict[str, list[str]] = {}
    top: str | None = None
    sub: str | None = None
    for line in lines[1:]:
        if m := _TOP.match(line):
            top, sub = m.group(1), None
        elif (m := _SUB.match(line)) and top:
            sub = m.group(1)
        if top:
            sections.setdefault(top, []).append(line)
            if sub:
                sections.setdefault(f"{top}（{sub}）", []).append(line)
    # A box (专栏) is its heading line plus the paragraph after it.
    for i, line in enumerate(lines):
        if m := _BOX.match(line):
            box = f"专栏{m.group(1)}"
            body = [line]
            if i + 1 < len(lines):
                body.append(lines[i + 1])
            sections[box] = body
    return Plan(title=title, sections={k: "\n".join(v) for k, v in sections.items()})


@lru_cache(maxsize=4)
def load_plan(path: Path | None = None) -> Plan:
    source = path or plan_text_path()
    return parse_plan(source.read_text(encoding="utf-8"))
