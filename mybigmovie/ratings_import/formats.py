"""Reading a member's ratings export: IMDb's ratings CSV and Letterboxd's ``ratings.csv``. Pure.

The format is told by the header line, whatever the file is called:

- IMDb (Your ratings → Export): ``Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,
  IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors``. Older exports have no
  "Original Title"; a watch-list export has the same columns with "Your Rating" blank. Ratings are
  1-10, read as half stars (7 -> 3.5). "Title Type" says movie, TV series, mini-series or episode.
- Letterboxd (Settings → Import & export → Export your data, ``ratings.csv``): ``Date,Name,Year,
  Letterboxd URI,Rating``, ratings 0.5-5 in half stars. ``diary.csv`` and ``reviews.csv`` carry the
  same columns and more, and read the same way.

Only the columns named above are read; others are ignored, in any order. A file that is neither
raises ``BadFile`` with a message for the member; a row that cannot be used (no title, a rating out of
range) is kept with its ``problem``, so the report can say which line and why.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

MAX_ROWS = 100_000  # a 5 MB export holds ~60k Letterboxd rows, ~25k IMDb rows
MAX_TITLE = 500
MAX_FIELD = 10_000  # no field of an export comes near; a longer one is not an export
_TCONST = re.compile(r"tt\d{7,10}")
_YEAR = re.compile(r"(1[89]\d\d|20\d\d|2100)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

IMDB_COLUMNS = ("Const", "Your Rating", "Title")
LETTERBOXD_COLUMNS = ("Name", "Year", "Rating")
NOT_AN_EXPORT = ("This doesn't look like an IMDb or Letterboxd export. Upload the ratings file as the site "
                 "gave it: IMDb's starts with \"Const,Your Rating,Date Rated,Title\", Letterboxd's "
                 "ratings.csv with \"Date,Name,Year,Letterboxd URI,Rating\".")

# IMDb's "Title Type", lower-cased without spaces or dashes: what the site can match each to.
_SHOWS = {"tvseries", "tvminiseries", "miniseries"}
_EPISODES = {"tvepisode", "episode", "podcastepisode"}
_OTHER = {"videogame", "musicvideo", "podcastseries"}


class BadFile(ValueError):
    """The file cannot be imported at all; the message says why, for the member."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # where the row starts in the file (the header is line 1)
    title: str
    year: int | None = None
    stars: float | None = None  # 0.5-5 in half steps; None: the row has no rating
    date: str = ""  # YYYY-MM-DD, when the file gives one
    imdb_id: str | None = None  # "tt0111161" (IMDb files only)
    kind: str = "movie"  # "movie", "show", "episode", "other" or "any" (an IMDb file without Title Type)
    type_label: str = ""  # the Title Type as the file says it
    problem: str | None = None  # why the row cannot be imported; None for a usable row

    @property
    def identity(self) -> str:
        """What names this row in its file, for ids derived from it: IMDb's id, else title and year."""
        return self.imdb_id or f"{self.title}\x1f{self.year or ''}"


@dataclass(frozen=True)
class Parsed:
    source: str  # "imdb" or "letterboxd"
    rows: list[Row]

    @property
    def label(self) -> str:
        return LABELS[self.source]


LABELS = {"imdb": "IMDb", "letterboxd": "Letterboxd"}


def parse(data: bytes) -> Parsed:
    """The rows of an IMDb or Letterboxd export, or BadFile."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = next(reader, None)
        if header is None:
            raise BadFile("That file is empty.")
        names = [name.strip().lstrip("\ufeff") for name in header]
        source = detect(names)
        column = {name: index for index, name in reversed(list(enumerate(names)))}
        read = _imdb_row if source == "imdb" else _letterboxd_row
        rows: list[Row] = []
        line = reader.line_num + 1
        for fields in reader:
            if any(len(field) > MAX_FIELD for field in fields):  # (csv's own limit is process-wide: not ours)
                raise csv.Error(f"a field of more than {MAX_FIELD:,} characters")
            if any(field.strip() for field in fields):
                if len(rows) == MAX_ROWS:
                    raise BadFile(f"That file has more than {MAX_ROWS:,} rows; no export of ratings is this long.")
                rows.append(_row(read, fields, column, line))
            line = reader.line_num + 1
    except csv.Error as problem:
        raise BadFile(f"Line {reader.line_num} of that file is not CSV we can read ({problem}).") from None
    if not rows:
        raise BadFile(f"That {LABELS[source]} export has no ratings in it: only its header line.")
    if all(row.problem for row in rows):
        raise BadFile(f"None of the {len(rows):,} rows of that {LABELS[source]} export can be read: "
                      f"line {rows[0].line}: {rows[0].problem}")
    return Parsed(source, rows)


def detect(header: list[str]) -> str:
    """"imdb" or "letterboxd" from the header's column names; BadFile for anything else."""
    found = set(header)
    if set(IMDB_COLUMNS) <= found:
        return "imdb"
    if set(LETTERBOXD_COLUMNS) <= found and ("Letterboxd URI" in found or "Date" in found):
        return "letterboxd"
    raise BadFile(NOT_AN_EXPORT)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise BadFile("That file is empty.")
    if b"\x00" in data[:4096]:
        raise BadFile("That is not a text file. " + NOT_AN_EXPORT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older IMDb exports were Windows-1252


def _row(read, fields: list[str], column: dict[str, int], line: int) -> Row:
    def get(name: str) -> str:
        index = column.get(name)
        return fields[index].strip() if index is not None and index < len(fields) else ""

    if len(fields) < len(column) and not get("Title") and not get("Name"):
        return Row(line, "", problem="the line has fewer fields than the header")
    return read(get, line)


def _imdb_row(get, line: int) -> Row:
    title = (get("Title") or get("Original Title"))[:MAX_TITLE]
    const = get("Const")
    imdb_id = const if _TCONST.fullmatch(const) else None
    label = get("Title Type")
    kind = _kind(label)
    raw = get("Your Rating")
    problem, stars = None, None
    if not title and not imdb_id:
        problem = "no title and no IMDb id"
    elif raw:
        try:
            value = float(raw)
        except ValueError:
            value = 0
        if value != int(value) or not 1 <= value <= 10:
            problem = f"the rating {raw[:20]!r} is not a whole number from 1 to 10"
        else:
            stars = value / 2
    return Row(line, title or const, _year(get("Year")), stars, _date(get("Date Rated")), imdb_id, kind, label,
               problem)


def _letterboxd_row(get, line: int) -> Row:
    title = get("Name")[:MAX_TITLE]
    raw = get("Rating")
    problem, stars = None, None
    if not title:
        problem = "no film name"
    elif raw:
        try:
            value = float(raw)
        except ValueError:
            value = 0
        if not 0.5 <= value <= 5 or value * 2 != int(value * 2):
            problem = f"the rating {raw[:20]!r} is not 0.5 to 5 stars in half steps"
        else:
            stars = value
    return Row(line, title, _year(get("Year")), stars, _date(get("Date")), problem=problem)


def _kind(label: str) -> str:
    key = re.sub(r"[^a-z]", "", label.lower())
    if not key:
        return "any"
    if key in _SHOWS:
        return "show"
    if key in _EPISODES:
        return "episode"
    if key in _OTHER:
        return "other"
    return "movie"  # movie, feature film, TV movie, short, video, TV special, documentary


def _year(text: str) -> int | None:
    match = _YEAR.match(text)
    return int(match.group(1)) if match else None


def _date(text: str) -> str:
    return text[:10] if _DATE.match(text) else ""
