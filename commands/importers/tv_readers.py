"""Readers for the TV data: IMDb series with their episode structure, and two TVmaze-derived
tables (the API snapshot with ids, and the ranked table without ids). Joined by importers.tv."""
from __future__ import annotations

import ast
import html
import json
import re
from datetime import datetime
from pathlib import Path

from commands.importers.movielens import find
from commands.importers.records import Bundle
from commands.importers.rows import RowError, SourceError, csv_rows, each_row, open_text, parse_int

_TAG = re.compile(r"<[^>]+>")


def read_imdb(folder: Path, bundle: Bundle) -> None:
    """imdb_top_series.csv (tconst, title, votes, rating) and imdb_episode_ratings.csv(.gz)."""
    series: dict[str, dict] = bundle.tv.setdefault("imdb", {})
    episodes: dict[str, dict] = bundle.tv.setdefault("imdb_episodes", {})

    def add_series(row: dict) -> None:
        series[_tconst(row["tconst"])] = {"title": _required(row["title"], "title"),
                                          "imdb_votes": parse_int(row["votes"], "votes"),
                                          "imdb_rating": _score(row["rating"])}

    def add_episode(row: dict) -> None:
        number = (parse_int(row["season"], "season"), parse_int(row["episode"], "episode"))
        episodes.setdefault(_tconst(row["series_tconst"]), {})[number] = {
            "imdb_rating": _score(row["rating"]), "imdb_votes": parse_int(row["votes"], "votes")}

    _each(folder / "imdb_top_series.csv", ("tconst", "title", "votes", "rating"), bundle, add_series)
    _each(find(folder, "imdb_episode_ratings.csv"), ("series_tconst", "season", "episode", "rating", "votes"),
          bundle, add_episode)


def read_tvmaze_api(path: Path, bundle: Bundle) -> None:
    """A JSON array of TVmaze show objects (api.tvmaze.com/shows), each with its episodes when the
    API was asked to embed them (``/shows/{id}?embed[]=episodes``, as ``--download tvmaze`` does)."""
    shows: list[dict] = bundle.tv.setdefault("tvmaze", [])
    episodes: dict[str, dict] = bundle.tv.setdefault("tvmaze_show_episodes", {})
    unnumbered = 0
    for index, show in enumerate(_json_array(path), 1):
        try:
            fields = _api_show(show)
            embedded, skipped = _embedded_episodes(show)
        except (KeyError, TypeError, ValueError) as error:
            bundle.problems.add(path, index, f"show #{index}: {error!r}")
            continue
        shows.append(fields)
        if embedded and fields["imdb_id"]:  # keyed as the site keys shows; one without an id is not listed
            episodes[fields["imdb_id"]] = embedded
        unnumbered += skipped
    if unnumbered:  # TVmaze gives specials a season but no number: no place among the numbered episodes
        bundle.notes.append(f"{path}: {unnumbered:,} TVmaze specials (episodes without a number) left out")


def read_tvmaze_episodes(path: Path, bundle: Bundle) -> None:
    """A JSON array of TVmaze episodes of one show; the show is named by the episodes' URLs."""
    by_show: dict[str, dict] = bundle.tv.setdefault("tvmaze_episodes", {})
    for index, episode in enumerate(_json_array(path), 1):
        try:
            slug = re.search(r"/episodes/\d+/(.+)-\d+x\d+", episode["url"]).group(1)
            by_show.setdefault(slug.replace("-", " "), {})[(int(episode["season"]), int(episode["number"]))] = {
                "title": (episode.get("name") or "").strip() or None, "airdate": episode.get("airdate") or None}
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            bundle.problems.add(path, index, f"episode #{index}: {error!r}")


def read_tvmaze_table(path: Path, bundle: Bundle) -> None:
    """TV_show_data.csv: TVmaze-derived, no ids; its "Premiere Date" and "End Date" are swapped."""
    rows: list[dict] = bundle.tv.setdefault("tvmaze_table", [])
    columns = ("Name", "Summary", "Average Runtime", "End Date", "Premiere Date", "Genres", "Type", "Language",
               "Network", "Rating", "Total Seasons")
    _each(path, columns, bundle, lambda row: rows.append(_table_show(row)))


def _api_show(show: dict) -> dict:
    channel = show.get("network") or show.get("webChannel") or {}
    imdb = (show.get("externals") or {}).get("imdb")
    return {"title": show["name"], "imdb_id": _tconst(imdb) if imdb else None,
            "tvmaze_id": int(show["id"]), "tvmaze_rating": _rating((show.get("rating") or {}).get("average")),
            "genres": tuple(show.get("genres") or ()),
            "summary": plain(show.get("summary")), "network": channel.get("name"), "kind": show.get("type"),
            "language": show.get("language"), "runtime": show.get("runtime") or show.get("averageRuntime"),
            "year": int(show["premiered"][:4]) if show.get("premiered") else None,
            # "ended" is in the API's current answers; older snapshots (the demo's, 2020) do not have it
            "end_year": int(show["ended"][:4]) if show.get("ended") else None}


def _embedded_episodes(show: dict) -> tuple[dict[tuple[int, int], dict], int]:
    """The show's embedded episodes by (season, number), and how many had no number (specials)."""
    episodes, unnumbered = {}, 0
    for episode in (show.get("_embedded") or {}).get("episodes") or ():
        if episode.get("number") is None:
            unnumbered += 1
            continue
        episodes[(int(episode["season"]), int(episode["number"]))] = {
            "title": (episode.get("name") or "").strip() or None, "airdate": episode.get("airdate") or None}
    return episodes, unnumbered


def _table_show(row: dict) -> dict:
    # The two date columns are swapped in this table; the earlier date is the premiere either way.
    dates = sorted(d for d in (_date(row["End Date"]), _date(row["Premiere Date"])) if d)
    genres = ast.literal_eval(row["Genres"]) if row["Genres"].strip() else []
    if not isinstance(genres, list):
        raise RowError(f"Genres is not a list: {row['Genres']!r}")
    runtime = row["Average Runtime"].strip()
    return {"title": _required(row["Name"], "Name"), "summary": plain(row["Summary"]), "genres": tuple(genres),
            "kind": row["Type"] or None, "language": row["Language"] or None, "network": row["Network"] or None,
            "runtime": int(float(runtime)) if runtime else None, "year": dates[0].year if dates else None,
            "tvmaze_rating": _rating(row["Rating"].strip() or None),
            "end_year": dates[-1].year if len(dates) == 2 else None,
            "seasons": int(row["Total Seasons"]) if row["Total Seasons"].strip() else None}


def _each(path: Path, columns: tuple[str, ...], bundle: Bundle, handle) -> None:
    each_row(path, csv_rows(path, columns, bundle.problems), bundle.problems, handle)


def plain(text: str | None) -> str | None:
    """HTML summary -> plain text ('<p>A <b>b</b></p>' -> 'A b')."""
    text = html.unescape(_TAG.sub("", text or "")).strip()
    return " ".join(text.split()) or None


def _json_array(path: Path) -> list:
    try:
        with open_text(path) as stream:
            data = json.load(stream)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, list):
        raise SourceError(f"{path}: expected a JSON array")
    return data


def _date(text: str):
    return datetime.strptime(text.strip(), "%m/%d/%Y").date() if text.strip() else None


def _tconst(text: str) -> str:
    if not re.fullmatch(r"tt\d{7,10}", text):
        raise RowError(f"not an IMDb title id: {text!r}")
    return text


def _score(text: str) -> float | None:
    if not text:
        return None
    value = float(text)
    if not 1.0 <= value <= 10.0:
        raise RowError(f"IMDb rating out of range: {value}")
    return value


def _rating(value) -> float | None:
    """TVmaze's audience rating (0-10), from the API's number or the table's text; None when absent."""
    if value is None:
        return None
    rating = float(value)
    if not 0.0 <= rating <= 10.0:
        raise RowError(f"TVmaze rating out of range: {rating}")
    return rating


def _required(text: str, what: str) -> str:
    if not text.strip():
        raise RowError(f"empty {what}")
    return text.strip()
