"""Joins the TV tables into shows: IMDb series (structure, ratings) + TVmaze metadata.

* TVmaze API shows join IMDb by id (``externals.imdb``).
* Rows of the TVmaze table (no ids) join an API show by normalised name and premiere year, else an
  IMDb series by normalised name. The IMDb table has no years, so a name shared by several series
  is settled by year where one is known, then by season count, then by a ten-to-one lead in
  votes; anything still ambiguous stays unmatched and is reported.
* A table row no IMDb series has the name of is listed all the same, under an id of the site's own
  (``own_show_id``: derived from its name and premiere year, above every IMDb number), so a catalog
  carried without IMDb's table still has its thousands of shows. A later import that names the same
  show (name and year) by IMDb id joins it there: the id a member's ratings point to never changes.
* Episodes keep IMDb's season/number/rating; titles and air dates come only from TVmaze: episodes
  embedded in its show objects (joined by the show's IMDb id; they also give the structure of a show
  IMDb's table does not have) or episode files (joined by the show's name). An episode no source
  names keeps ``title=None`` (pages show "Episode N").
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from commands.importers.records import Bundle
from commands.importers.text import name_key

_POSSESSIVE = re.compile(r"^[a-z0-9]+ s ")  # "marvel s daredevil": the name key of "Marvel's Daredevil"
_EPISODE = ("title", "airdate", "imdb_rating", "imdb_votes")  # after season and number, as in EpisodeEntry
_METADATA = ("genres", "summary", "network", "kind", "language", "runtime", "year", "end_year", "tvmaze_id",
             "tvmaze_rating")


OWN_IDS = 1_000_000_000  # own ids are OWN_IDS..2*OWN_IDS-1: IMDb's numbers are 8 digits, Mongo's int32 holds these
_NO_SERIES = "no IMDb series of that name: listed under an id of the site's own"


def show_id(tconst: str) -> int:
    """The site's show id: the number of the IMDb title id (tt0944947 -> 944947), stable forever."""
    return int(tconst[2:])


def own_show_id(title: str, year: int | None) -> int:
    """The id of a show no source gives an IMDb id: the same for the same name and year, on any machine."""
    digest = hashlib.blake2b(f"{name_key(title)}|{year or ''}".encode(), digest_size=8).digest()
    return OWN_IDS + int.from_bytes(digest, "big") % OWN_IDS


def join_shows(bundle: Bundle, known: dict[int, dict], all_shows: bool) -> dict[int, dict]:
    """Show fields by show id for every show this import describes (new or already listed)."""
    imdb, structure = bundle.tv.get("imdb", {}), bundle.tv.get("imdb_episodes", {})
    metadata: dict[str, dict] = {}
    without_ids = []
    for show in bundle.tv.get("tvmaze", []):
        if show["imdb_id"]:
            _merge(metadata.setdefault(show["imdb_id"], {}), show)
        else:
            without_ids.append(show)
    unjoined = without_ids + _join_table(bundle, metadata, _candidates(imdb, structure, known, metadata))
    own = {(name_key(f["title"]), f.get("year")): number for number, f in known.items() if number >= OWN_IDS}
    shows = _own_shows(unjoined, known)
    for tconst in {*metadata, *(imdb if all_shows else ()), *(t for t in imdb if show_id(t) in known)}:
        fields = {"imdb_id": tconst, **imdb.get(tconst, {}), **_only(metadata.get(tconst, {}), _METADATA)}
        number = show_id(tconst)
        if number not in known:  # IMDb's title wins; TVmaze's names new shows
            fields.setdefault("title", metadata.get(tconst, {}).get("title"))
            number = own.get((name_key(fields["title"] or ""), fields.get("year")), number)
        if tconst in structure:
            fields["episodes"] = structure[tconst]
        fields["source"] = "+".join(name for name, table in (("imdb", imdb), ("tvmaze", metadata)) if tconst in table)
        shows[number] = {**shows.get(number, {}), **fields}
    _add_episode_titles(bundle, shows, known)
    for tconst, titled in bundle.tv.get("tvmaze_show_episodes", {}).items():
        if (number := show_id(tconst)) in shows:
            _overlay(shows[number].setdefault("episodes", {}), titled)
    for fields in shows.values():
        if "episodes" in fields:
            fields["episodes"] = _entries(fields["episodes"])
    return shows


def _own_shows(rows: list[dict], known: dict[int, dict]) -> dict[int, dict]:
    """Shows no source gives an IMDb id (TVmaze's without one, the table's rows no IMDb series has the
    name of), under ids of the site's own; the first of a name and year wins."""
    shows: dict[int, dict] = {}
    for row in rows:
        number = own_show_id(row["title"], row.get("year"))
        if number not in shows:
            fields = _only(row, ("title", *_METADATA))
            if number not in known:
                fields["imdb_id"] = None
            shows[number] = {**fields, "source": "tvmaze"}
    return shows


def _candidates(imdb: dict, structure: dict, known: dict[int, dict], metadata: dict) -> dict[str, list[dict]]:
    """IMDb series (of this import, or listed before) by normalised name, for joins without ids."""
    by_name: dict[str, list[dict]] = defaultdict(list)
    series = {f["imdb_id"]: {"title": f["title"], "imdb_votes": f.get("imdb_votes"), "year": f.get("year"),
                             "seasons": _seasons(f.get("episodes", ()))} for f in known.values() if f.get("imdb_id")}
    for tconst, fields in imdb.items():
        series[tconst] = {**fields, "year": metadata.get(tconst, {}).get("year"),
                          "seasons": max((s for s, _ in structure.get(tconst, {})), default=None)}
    for tconst, fields in series.items():
        by_name[name_key(fields["title"])].append({**fields, "imdb_id": tconst})
    return by_name


def _join_table(bundle: Bundle, metadata: dict[str, dict], candidates: dict[str, list[dict]]) -> list[dict]:
    """Joins the table's rows to the shows with IMDb ids; returns the rows no IMDb series has the name of."""
    unjoined = []
    by_name_year = {(name_key(m["title"]), m.get("year")): t for t, m in metadata.items() if "title" in m}
    claims: dict[str, list[dict]] = defaultdict(list)
    counts = defaultdict(int)
    for row in bundle.tv.get("tvmaze_table", []):
        if tconst := by_name_year.get((name_key(row["title"]), row["year"])):
            how = "by TVmaze name and year"
        else:
            tconst, how = _pick(_named(candidates, row["title"]), row)
        counts[how] += 1
        if tconst:
            claims[tconst].append(row)
        elif how == _NO_SERIES:
            unjoined.append(row)
        else:
            bundle.notes.append(f"TVmaze table: {row['title']!r} ({row['year']}): {how}")
    for tconst, rows in claims.items():
        best = _best_claim(rows, candidates, tconst)
        _merge(metadata.setdefault(tconst, {}), best)
        for row in rows:
            if row is not best:
                counts["not joined: another row took the series"] += 1
                bundle.notes.append(f"TVmaze table: {row['title']!r} ({row['year']}): another row took {tconst}")
    if counts:
        bundle.notes.insert(0, "TVmaze table joins: " + ", ".join(f"{n:,} {how}" for how, n in sorted(counts.items())))
    return unjoined


def _named(candidates: dict[str, list[dict]], title: str) -> list[dict]:
    """Series named ``title``, or else named without a possessive lead ("Marvel's Daredevil" -> "Daredevil")."""
    key = name_key(title)
    return candidates.get(key) or candidates.get(_POSSESSIVE.sub("", key), [])


def _pick(candidates: list[dict], row: dict) -> tuple[str | None, str]:
    if not candidates:
        return None, _NO_SERIES
    if len(candidates) == 1:
        return candidates[0]["imdb_id"], "by name"
    for rule, same in (("by name and year", "year"), ("by name and season count", "seasons")):
        chosen = [c for c in candidates if row.get(same) is not None and c.get(same) == row.get(same)]
        if len(chosen) == 1:
            return chosen[0]["imdb_id"], rule
    ranked = sorted(candidates, key=lambda c: -(c.get("imdb_votes") or 0))
    if (ranked[0].get("imdb_votes") or 0) >= 10 * (ranked[1].get("imdb_votes") or 0):
        return ranked[0]["imdb_id"], "by name and a 10:1 lead in votes"
    return None, f"not joined: ambiguous ({len(candidates)} IMDb series of that name)"


def _best_claim(rows: list[dict], candidates: dict[str, list[dict]], tconst: str) -> dict:
    series = next((c for c in candidates.get(name_key(rows[0]["title"]), []) if c["imdb_id"] == tconst), {})
    return next((r for r in rows if r.get("seasons") and r["seasons"] == series.get("seasons")), rows[0])


def _add_episode_titles(bundle: Bundle, shows: dict[int, dict], known: dict[int, dict]) -> None:
    by_name: dict[str, list[dict]] = defaultdict(list)
    for number, fields in shows.items():
        if number in known and "episodes" not in fields:  # titles go onto the episodes listed before
            fields["episodes"] = {(s, n): dict(zip(_EPISODE, rest)) for s, n, *rest in known[number]["episodes"]}
        by_name[name_key(fields.get("title") or known.get(number, {}).get("title") or "")].append(fields)
    for name, titled in bundle.tv.get("tvmaze_episodes", {}).items():
        if len(named := by_name.get(name, [])) != 1:
            bundle.notes.append(f"TVmaze episodes of {name!r}: {len(named)} shows of that name in this import, "
                                "episode titles not added")
            continue
        _overlay(named[0].setdefault("episodes", {}), titled)


def _overlay(episodes: dict[tuple[int, int], dict], titled: dict[tuple[int, int], dict]) -> None:
    """TVmaze's titles and air dates onto the episodes (IMDb's ratings stay); new numbers are added."""
    for number, fields in titled.items():
        episodes[number] = {**episodes.get(number, {}), **fields}


def _entries(episodes: dict[tuple[int, int], dict]) -> tuple[tuple, ...]:
    return tuple((s, n, *(e.get(name) for name in _EPISODE)) for (s, n), e in sorted(episodes.items()))


def _seasons(entries) -> int | None:
    return max((entry[0] for entry in entries), default=None)


def _merge(target: dict, fields: dict) -> None:
    for key, value in fields.items():
        if target.get(key) in (None, (), "") and value not in (None, (), ""):
            target[key] = value


def _only(fields: dict, keys: tuple[str, ...]) -> dict:
    return {key: fields[key] for key in keys if fields.get(key) not in (None, ())}
