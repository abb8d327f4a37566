"""The plan's 破四唯 rule as a check on rubric criteria.

Section 五（一） of the plan asks committees to break with judging people "only by
papers, titles, degrees or awards" (破除唯论文、唯职称、唯学历、唯奖项). A criterion
may therefore not *score* any of these as such. The check reads a criterion's name, its
guidance and its band descriptors (both languages; never the plan quote, which names
the four onlys in order to reject them) against the patterns below. The list is
documented in docs/rubrics.md; a criterion that needs to judge the substance behind a
paper or an award should name that substance (the originality of a finding, the
influence of a work) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reviewer.base.i18n import N_, _
from reviewer.rubric.model import Text


@dataclass(frozen=True)
class ForbiddenMeasure:
    id: str
    name: str  # English msgid, translated when shown
    pattern: re.Pattern[str]

    def explain(self) -> str:
        return _(
            "scores {measure} as such, which the plan forbids (破除唯论文、唯职称、唯学历、"
            "唯奖项, section 五（一）): judge the substance of the work instead"
        ).format(measure=_(self.name))


def _p(expr: str) -> re.Pattern[str]:
    return re.compile(expr, re.IGNORECASE)


FORBIDDEN_MEASURES: tuple[ForbiddenMeasure, ...] = (
    ForbiddenMeasure(
        "papers",
        N_("the number of papers"),
        _p(
            r"论文(的)?(数量|篇数|数目|总数|多少)|发表.{0,6}论文.{0,4}(篇|数量)"
            r"|[\d一二三四五六七八九十两几多]+\s*篇(.{0,4})?论文|(?-i:SCI)(?![a-zA-Z])|影响因子|(被)?引(用)?(次数|数量)"
            r"|\b(number|count|quantity) of (published )?(papers|articles|publications|citations)\b"
            r"|\b(paper|publication|citation) counts?\b|\b\d+ (papers|publications)\b"
            r"|\bimpact factor\b|\bh-index\b"
        ),
    ),
    ForbiddenMeasure(
        "titles",
        N_("professional titles"),
        _p(
            r"职称(等级|级别|高低|层次)|(正高|副高|高级)职称|持有.{0,4}职称|副教授|正高级|副高级"
            r"|\b(professional|academic) (title|rank)s?\b"
        ),
    ),
    ForbiddenMeasure(
        "degrees",
        N_("academic degrees"),
        _p(
            r"学历|学位(层次|等级|高低)|博士学位|硕士学位"
            r"|\b(academic )?degrees? (held|level|obtained)\b|\bdoctorate\b|\bph\.?d\b"
        ),
    ),
    ForbiddenMeasure(
        "awards",
        N_("awards won"),
        _p(
            r"(获奖|奖项)(的)?(数量|次数|等级|级别|多少)"
            r"|获得?了?[\d一二三四五六七八九十两几多]+\s*[项次个](.{0,6})?奖"
            r"|\b(number|count) of (awards|prizes)\b|\baward counts?\b"
            r"|\b(awards?|prizes?) (it |they |he |she )?(won|received)\b"
        ),
    ),
)


def forbidden_measures_in(
    texts: Iterable[tuple[str, Text | None]],
) -> Iterator[tuple[ForbiddenMeasure, str]]:
    """Yield (measure, where) for every forbidden measure found in the given texts."""
    for where, text in texts:
        if text is None:
            continue
        for lang, value in (("zh", text.zh), ("en", text.en)):
            for measure in FORBIDDEN_MEASURES:
                if value and measure.pattern.search(value):
                    yield measure, f"{where}.{lang}"
