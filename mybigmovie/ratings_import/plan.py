"""What an import does with each row, and the commands that record it. Pure.

The rules, as the report and the README say them:

- A title the member has **not rated** on the site gets the file's rating.
- A title they rated the **same** on the site is left as it is.
- A title they rated **differently** on the site keeps the site's rating: the site wins, always, so
  an import never undoes a change made here, and importing an older export again changes nothing.
  The report lists these ("kept") with a button to take the file's rating instead.
- Two rows of the file for one title (a diary's rewatches): the newest date counts, the others are
  "duplicate".

The ratings to record go in batches of ``BATCH`` (one commit each, so 5,000 ratings are 10 appends,
not 5,000): each batch is one ``ImportRatings`` command (``domain.accounts.import_ratings`` decides it) whose id is derived from the member, the
source and the batch's rows (title, rating and the row's identity in its file), so the same upload
sent twice is the same commands, which the handlers' loop records once. Each batch is decided on the
account as the log has it (``decide``): a title rated in the meantime is left alone, so whatever runs
twice, a title is never rated twice. Importing the same file again therefore appends nothing.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from commands.messages import ImportRatings
from mybigmovie.ratings_import.formats import Parsed, Row
from mybigmovie.ratings_import.matching import Candidate, Match

BATCH = 500
_IMPORTS = uuid.UUID("0f7d1c5e-8b0e-4c1a-9a59-3e2f1d6b7a42")  # fixed forever: command ids are derived with it

# How the report groups rows; "matched" is the first four.
MATCHED = ("added", "same", "kept", "duplicate")
UNMATCHED = ("ambiguous", "missing")
STATUSES = (*MATCHED, "manual", *UNMATCHED, "skipped")


@dataclass
class Outcome:
    """One row of the file and what became of it: a line of the report (kept as JSON between pages)."""

    line: int
    title: str
    year: int | None
    stars: float | None
    status: str  # one of STATUSES
    how: str = ""  # matched: by which rule
    why: str = ""  # otherwise, or kept/duplicate: the reason in words
    choice: str = ""  # the matched title, as "movie:123"
    matched_title: str = ""
    matched_year: int | None = None
    previous: float | None = None  # kept: the member's rating on the site
    candidates: list[tuple[str, str, int | None]] = field(default_factory=list)  # (choice, title, year)

    def as_json(self) -> dict:
        required = ("line", "title", "year", "stars", "status")
        return {k: v for k, v in self.__dict__.items() if k in required or v not in ("", None, [])}

    @classmethod
    def from_json(cls, data: dict) -> "Outcome":
        data = dict(data)
        data["candidates"] = [tuple(c) for c in data.get("candidates", [])]
        return cls(**data)


@dataclass(frozen=True)
class Plan:
    outcomes: list[Outcome]
    commands: list[ImportRatings]

    @property
    def to_add(self) -> int:
        return sum(len(c.ratings) for c in self.commands)


def plan(user_id: str, parsed: Parsed, matches: list[Match], movie_ratings: dict[int, float],
         show_ratings: dict[int, float]) -> Plan:
    """Each row's outcome, and the commands recording the new ratings, from the rows' matches and
    the member's ratings on the site."""
    outcomes = [_outcome(row, match) for row, match in zip(parsed.rows, matches)]
    newest: dict[str, int] = {}  # choice -> index of the row that counts
    for index, (row, outcome) in enumerate(zip(parsed.rows, outcomes)):
        if outcome.status == "matched":
            best = newest.get(outcome.choice)
            if best is None or (row.date or "") >= (parsed.rows[best].date or ""):
                newest[outcome.choice] = index
    counted = set(newest.values())
    to_add: list[tuple[tuple[str, int, float], str]] = []
    for index, (row, outcome) in enumerate(zip(parsed.rows, outcomes)):
        if outcome.status != "matched":
            continue
        if index not in counted:
            outcome.status = "duplicate"
            outcome.why = f"line {parsed.rows[newest[outcome.choice]].line} of the file rates the same title" \
                          + (" more recently" if row.date else " too")
            continue
        kind, title_id = outcome.choice.split(":")
        previous = (movie_ratings if kind == "movie" else show_ratings).get(int(title_id))
        if previous is None:
            outcome.status = "added"
            to_add.append(((kind, int(title_id), float(row.stars)), row.identity))
        elif previous == row.stars:
            outcome.status = "same"
        else:
            outcome.status, outcome.previous = "kept", previous
            outcome.why = "you rated it differently here; the site's rating stays"
    commands = [ImportRatings(command_id=command_id(user_id, parsed.source, batch), user_id=user_id,
                              source=parsed.source, ratings=tuple(item for item, _ in batch))
                for batch in (to_add[i:i + BATCH] for i in range(0, len(to_add), BATCH))]
    return Plan(outcomes, commands)


def command_id(user_id: str, source: str, batch: list[tuple[tuple[str, int, float], str]]) -> str:
    """The same member, source and rows (title, rating, the row's identity in the file) give the same id."""
    digest = hashlib.sha256()
    for (kind, title_id, stars), identity in batch:
        digest.update(f"{kind}:{title_id}:{stars:g}:{identity}\n".encode())
    return str(uuid.uuid5(_IMPORTS, f"{user_id}/{source}/{digest.hexdigest()}"))


def _outcome(row: Row, match: Match) -> Outcome:
    found = match.title
    return Outcome(row.line, row.title, row.year, row.stars, match.status, match.how, match.why,
                   found.choice if found else "", found.title if found else "", found.year if found else None,
                   candidates=[_candidate(c) for c in match.candidates])


def _candidate(c: Candidate) -> tuple[str, str, int | None]:
    return (c.choice, c.title, c.year)
