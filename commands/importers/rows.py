"""Reading data files row by row, with every problem reported as "file:line: what".

A malformed row is skipped and reported (or, with ``strict``, rejects its whole file); a file
that cannot be read at all (missing columns, bad gzip, wrong encoding) raises SourceError. All
of this happens before anything is appended, so an import is never half written because of a
bad row.
"""
from __future__ import annotations

import contextlib
import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

csv.field_size_limit(1 << 24)


class SourceError(Exception):
    """A file cannot be imported as a whole; nothing from it is written."""


class RowError(ValueError):
    """One row is malformed; raised by parsers, caught and reported by ``Problems.rows``."""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Problems:
    """Malformed rows met while reading; ``strict`` turns the first one into a SourceError."""

    strict: bool = False
    found: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, path: Path, line: int, message: str) -> None:
        problem = Problem(str(path), line, message)
        if self.strict:
            raise SourceError(f"{problem} (strict: the file is rejected as a whole)")
        self.counts[str(path)] = self.counts.get(str(path), 0) + 1
        if len(self.found) < 1000:  # enough to act on; the counts stay exact
            self.found.append(problem)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def open_text(path: Path, encoding: str = "utf-8") -> io.TextIOBase:
    """A text stream over ``path``, gunzipped when it ends in .gz; CRLF and LF both read as lines."""
    try:
        raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except OSError as error:
        raise SourceError(f"{path}: cannot open: {error}") from None
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def csv_rows(path: Path, required: tuple[str, ...], problems: Problems,
             encoding: str = "utf-8") -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each well-formed CSV row; rows with missing fields are reported."""
    with _reading(path), open_text(path, encoding) as stream:
        reader = csv.DictReader(stream)
        missing = [name for name in required if name not in (reader.fieldnames or ())]
        if missing:
            raise SourceError(f"{path}:1: missing column(s) {', '.join(missing)} in header {reader.fieldnames}")
        for row in reader:
            if None in row or any(row[name] is None for name in required):
                problems.add(path, reader.line_num, f"expected {len(reader.fieldnames)} fields")
                continue
            yield reader.line_num, row


def split_rows(path: Path, separator: str, fields: int, problems: Problems,
               encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each line of a headerless, ``separator``-separated file."""
    with _reading(path), open_text(path, encoding) as stream:
        for number, line in enumerate(stream, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            parts = line.split(separator)
            if len(parts) < fields:
                problems.add(path, number, f"expected {fields} fields, found {len(parts)}")
                continue
            yield number, parts


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn decoding and decompression failures into a SourceError naming the file."""
    try:
        yield
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error, OSError) as error:
        raise SourceError(f"{path}: unreadable: {error}") from None


def parse_int(text: str, what: str, low: int = 0, high: int = 2**31 - 1) -> int:
    try:
        value = int(text)
    except ValueError:
        raise RowError(f"{what} is not a whole number: {text!r}") from None
    if not low <= value <= high:
        raise RowError(f"{what} out of range: {value}")
    return value


def parse_half_stars(text: str) -> int:
    """A rating of 0.5-5 stars in half steps, as a count of half stars (1-10)."""
    try:
        doubled = float(text) * 2
    except ValueError:
        raise RowError(f"rating is not a number: {text!r}") from None
    if not (1 <= doubled <= 10 and doubled == int(doubled)):
        raise RowError(f"rating must be 0.5-5 in half steps, not {text!r}")
    return int(doubled)


def each_row(path: Path, rows: Iterator[tuple[int, object]], problems: Problems, handle) -> None:
    """Call ``handle(row)`` for each row; one raising RowError or ValueError is reported and skipped."""
    for line, row in rows:
        try:
            handle(row)
        except (RowError, ValueError) as error:
            problems.add(path, line, str(error))
