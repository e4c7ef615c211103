"""What an import did, in numbers a person can check, and what it could not use."""
from __future__ import annotations

from dataclasses import dataclass, field

from commands.importers.history import HistoryResult
from commands.importers.rows import Problems
from domain import events as e


@dataclass
class ImportReport:
    sources: list[str] = field(default_factory=list)
    movies_listed: int = 0
    movies_corrected: int = 0
    shows_listed: int = 0
    shows_corrected: int = 0
    episodes_listed: int = 0
    ratings_appended: dict[str, int] = field(default_factory=dict)  # by source
    ratings_present: dict[str, int] = field(default_factory=dict)  # already in the log
    ratings_dropped: dict[str, int] = field(default_factory=dict)  # no catalog entry for their movie
    problems: Problems = field(default_factory=Problems)
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # paths in no known format
    errors: list[str] = field(default_factory=list)  # sources rejected as a whole
    events: int = 0
    seconds: float = 0.0

    def count_catalog(self, movie_events: list[e.Event], show_events: list[e.Event]) -> None:
        listed = [event for event in show_events if isinstance(event, e.ShowListed)]
        self.movies_listed = sum(isinstance(event, e.MovieListed) for event in movie_events)
        self.movies_corrected = len(movie_events) - self.movies_listed
        self.shows_listed, self.shows_corrected = len(listed), len(show_events) - len(listed)
        self.episodes_listed = sum(len(event.episodes) for event in listed)
        self.events += len(movie_events) + len(show_events)

    def count_history(self, result: HistoryResult) -> None:
        self.ratings_appended[result.source] = result.appended
        self.ratings_present[result.source] = result.present
        self.events += result.events

    @property
    def nothing_new(self) -> bool:
        return self.events == 0

    def summary(self) -> list[str]:
        """The report as lines for the terminal."""
        lines = [f"read: {source}" for source in self.sources]
        lines += [f"movies: {self.movies_listed:,} listed, {self.movies_corrected:,} corrected",
                  f"shows: {self.shows_listed:,} listed ({self.episodes_listed:,} episodes), "
                  f"{self.shows_corrected:,} corrected"]
        for source in sorted({*self.ratings_appended, *self.ratings_present}):
            lines.append(f"ratings {source}: {self.ratings_appended.get(source, 0):,} imported, "
                         f"{self.ratings_present.get(source, 0):,} already there"
                         + (f", {self.ratings_dropped[source]:,} dropped (movie not in the catalog)"
                            if self.ratings_dropped.get(source) else ""))
        if self.problems.total:
            lines.append(f"malformed rows skipped: {self.problems.total:,} "
                         + ", ".join(f"{path}: {n:,}" for path, n in self.problems.counts.items()))
            lines += [f"  {problem}" for problem in self.problems.found[:10]]
        lines += [f"error: {error}" for error in self.errors]
        lines += [f"not a known format, ignored: {path}" for path in self.ignored]
        lines.append("nothing new: the log already held all of it" if self.nothing_new
                     else f"{self.events:,} events appended in {self.seconds:.1f} s")
        return lines
