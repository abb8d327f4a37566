"""Drawing reviewers at random from an expert pool, with a published seed, so that
anyone can re-run the draw by hand and get the same experts.

The generator is SHA-256 in counter mode. For one category, block ``k`` (k = 0, 1, 2…)
is::

    SHA-256( UTF-8( "reviewer-draw-1\\n" + seed + "\\n" + category + "\\n" + str(k) ) )

and a number below ``n`` is taken from the next unused block: ``x`` = its first 8 bytes
as a big-endian integer; if ``x < 2^64 − (2^64 mod n)`` the number is ``x mod n``,
otherwise the block is skipped (so every number is equally likely) and the next one is
used. The category's eligible experts (in the pool for that category, not drawn for an
earlier category: categories are drawn in the order of their ids, one expert serves in
one group) are sorted by name (NFKC, by code point); then for i = 0 … N−1, ``j = i +
number below (len − i)`` and positions i and j are swapped; the first N are drawn, in
that order.

API:
    @dataclass Expert(name, categories, affiliation)
    @dataclass CategoryDraw(category, eligible, drawn)
    @dataclass Draw(seed, pool_sha256, per_category, categories, drawn_at)
    read_pool(path, categories) -> (list[Expert], pool_sha256)   # PanelFileError
    uniform(seed, category, n, counter=0) -> (number, next_counter)
    draw(pool, pool_sha256, seed, per_category, categories, now=None) -> Draw  # DrawError
    record_draw(session_folder, draw) -> Path      # SESSION/draws/<time>.json
    new_seed() -> str
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.base.errors import Problem, ReviewerError
from reviewer.base.i18n import _
from reviewer.panel.table import Column, PanelFileError, read_table

DRAW_FORMAT = "reviewer-draw"
DRAW_VERSION = 1
DRAWS_DIR = "draws"
_DOMAIN = "reviewer-draw-1"
MAX_SEED_CHARS = 200
MAX_NAME_CHARS = 200
_TWO_64 = 1 << 64

_COLUMNS = (
    Column("name", ("姓名", "name", "专家", "expert")),
    Column("category", ("类别", "category")),
    Column("affiliation", ("工作单位", "affiliation")),
)


class DrawError(ReviewerError):
    """A draw that cannot be made as asked."""


@dataclass(frozen=True)
class Expert:
    name: str
    categories: tuple[str, ...]
    affiliation: str = ""


@dataclass(frozen=True)
class CategoryDraw:
    category: str
    eligible: tuple[str, ...]  # sorted, what the shuffle starts from
    drawn: tuple[str, ...]


@dataclass(frozen=True)
class Draw:
    seed: str
    pool_sha256: str
    per_category: int
    categories: tuple[CategoryDraw, ...]
    drawn_at: dt.datetime

    def to_json(self) -> dict[str, object]:
        return {
            "format": DRAW_FORMAT,
            "format_version": DRAW_VERSION,
            "drawn_at": self.drawn_at.isoformat().replace("+00:00", "Z"),
            "seed": self.seed,
            "pool_sha256": self.pool_sha256,
            "per_category": self.per_category,
            "categories": [
                {"category": c.category, "eligible": list(c.eligible), "drawn": list(c.drawn)}
                for c in self.categories
            ],
        }


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def read_pool(path: Path, categories: Iterable[str]) -> tuple[list[Expert], str]:
    """The experts of the pool file and the SHA-256 of its bytes, as the draw record
    names it. ``categories``: the rubric ids allowed (the session's)."""
    path = Path(path)
    allowed = set(categories)
    rows = read_table(path, _COLUMNS, ("name", "category"))
    problems: list[Problem] = []
    experts: dict[str, tuple[list[str], str]] = {}
    for line, row in rows:
        name, category = row["name"], row["category"]
        where = _("line {n}").format(n=line)
        if not name or len(name) > MAX_NAME_CHARS:
            problems.append(Problem(where, _("a name of 1 to 200 characters is needed")))
            continue
        if category not in allowed:
            problems.append(
                Problem(
                    where,
                    _("{value!r} is not a category of this session ({allowed})").format(
                        value=category, allowed=", ".join(sorted(allowed))
                    ),
                )
            )
            continue
        cats, affiliation = experts.setdefault(_sort_key(name), ([], row.get("affiliation", "")))
        if category in cats:
            problems.append(
                Problem(
                    where,
                    _("{name} is listed twice for {category}").format(name=name, category=category),
                )
            )
        cats.append(category)
    if problems:
        raise PanelFileError(str(path), problems)
    pool = [Expert(name, tuple(cats), aff) for name, (cats, aff) in experts.items()]
    return pool, hashlib.sha256(path.read_bytes()).hexdigest()


def _block(seed: str, category: str, counter: int) -> bytes:
    text = f"{_DOMAIN}\n{seed}\n{category}\n{counter}"
    return hashlib.sha256(text.encode("utf-8")).digest()


def uniform(seed: str, category: str, n: int, counter: int = 0) -> tuple[int, int]:
    """A number in [0, n) from the blocks from ``counter`` on, and the next unused one."""
    if n < 1:
        raise ValueError("n must be positive")
    limit = _TWO_64 - _TWO_64 % n
    while True:
        x = int.from_bytes(_block(seed, category, counter)[:8], "big")
        counter += 1
        if x < limit:
            return x % n, counter


def draw(
    pool: Sequence[Expert],
    pool_sha256: str,
    seed: str,
    per_category: int,
    categories: Iterable[str],
    now: dt.datetime | None = None,
) -> Draw:
    if not seed or len(seed) > MAX_SEED_CHARS:
        raise DrawError(_("the seed must be 1 to 200 characters"))
    if per_category < 1:
        raise DrawError(_("at least one reviewer per category must be drawn"))
    taken: set[str] = set()
    results: list[CategoryDraw] = []
    for category in sorted(set(categories)):
        eligible = sorted(
            (e.name for e in pool if category in e.categories and e.name not in taken),
            key=_sort_key,
        )
        if len(eligible) < per_category:
            raise DrawError(
                _(
                    "the pool has {found} experts left for {category}, fewer than the "
                    "{wanted} to draw"
                ).format(found=len(eligible), category=category, wanted=per_category)
            )
        order, counter = list(eligible), 0
        for i in range(per_category):
            offset, counter = uniform(seed, category, len(order) - i, counter)
            j = i + offset
            order[i], order[j] = order[j], order[i]
        drawn = tuple(order[:per_category])
        taken.update(drawn)
        results.append(CategoryDraw(category, tuple(eligible), drawn))
    if not results:
        raise DrawError(_("no category to draw for"))
    return Draw(
        seed,
        pool_sha256,
        per_category,
        tuple(results),
        (now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
    )


def record_draw(session_folder: Path, result: Draw) -> Path:
    """Write the draw to ``SESSION/draws/<UTC time>.json``, never over an earlier one."""
    folder = Path(session_folder) / DRAWS_DIR
    data = json.dumps(result.to_json(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    stamp = result.drawn_at.strftime("%Y%m%dT%H%M%SZ")
    try:
        folder.mkdir(exist_ok=True)
        for n in range(1000):
            path = folder / (f"{stamp}.json" if n == 0 else f"{stamp}-{n}.json")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return path
    except OSError as exc:
        raise DrawError(
            _("cannot write {file}: {error}").format(file=folder, error=exc.strerror or exc)
        ) from None
    raise DrawError(_("cannot write {file}: {error}").format(file=folder, error="exists"))


def new_seed() -> str:
    """A seed for a draw whose seed was not announced beforehand (then publish it)."""
    return secrets.token_hex(16)


__all__ = [
    "CategoryDraw",
    "Draw",
    "DrawError",
    "Expert",
    "new_seed",
    "read_pool",
    "record_draw",
    "uniform",
]
