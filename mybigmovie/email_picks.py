"""What a picks e-mail holds: which titles (movies, and a few shows for a member who rates shows),
why each one, and how the previous e-mail's picks did.

Nothing is picked twice: what the member rated, put aside (not seen, not interested) or was
already sent in an earlier e-mail is left out. The wording is pure functions, tested on their own;
``choose`` reads the catalog and asks the recommender.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.accounts import Account
from mybigmovie import i18n
from mybigmovie.i18n import gettext as _, ngettext
from mybigmovie.recommendations import Guess, Ratings, Recommender, taste
from projections.read_side import ReadSide
from projections.views import LastPicks, Member, MovieFilter, Title
from recommender.tv import SHOW_ID_BASE, show_item_id

SHOWS_AT_MOST = 2  # of an e-mail's picks, for a member who rates shows and wants them
NEWCOMER_POOL = 60  # a member with no ratings yet gets a mix of their own from this many best-liked movies


@dataclass(frozen=True)
class Pick:
    kind: str  # "movie" or "show"
    id: int
    title: str
    year: int | None
    reason: str  # one line: why this title, for this member

    @property
    def path(self) -> str:
        return f"/{'movies' if self.kind == 'movie' else 'shows'}/{self.id}"


@dataclass(frozen=True)
class Recipient:
    """What the e-mail knows of its member. What must be exact comes from the account's own stream
    (movie ratings, what they put aside, their choices); the rest from their profile (show ratings,
    what earlier e-mails sent), which is None while the profile is not caught up."""

    ratings: dict[int, float]
    put_aside: frozenset[int] = frozenset()
    shows_put_aside: frozenset[int] = frozenset()
    show_ratings: dict[int, float] = field(default_factory=dict)
    episode_ratings: dict[str, float] = field(default_factory=dict)
    rated_shows: frozenset[int] = frozenset()
    emailed_movies: frozenset[int] = frozenset()
    emailed_shows: frozenset[int] = frozenset()
    shows: bool = True
    last: LastPicks | None = None
    user_id: str = ""

    @classmethod
    def of(cls, account: Account, profile: Member | None) -> "Recipient":
        shows = profile.show_ratings if profile else {}
        episodes = profile.episode_ratings if profile else {}
        rated_shows = {*account.show_ratings, *(show for show, _, _ in account.episode_ratings), *shows,
                       *(int(key.split(":")[0]) for key in episodes)}
        return cls(ratings=dict(account.ratings), put_aside=frozenset(account.not_seen | account.not_interested),
                   shows_put_aside=frozenset(account.show_not_seen | account.show_not_interested),
                   show_ratings=dict(shows), episode_ratings=dict(episodes), rated_shows=frozenset(rated_shows),
                   emailed_movies=profile.emailed_movies if profile else frozenset(),
                   emailed_shows=profile.emailed_shows if profile else frozenset(),
                   shows=account.email_shows, last=profile.last_picks if profile else None, user_id=account.user_id)

    @property
    def taste(self) -> Ratings:
        return taste(self.ratings, self.show_ratings, self.episode_ratings)

    @property
    def wants_shows(self) -> bool:
        return self.shows and bool(self.rated_shows)

    def left_out(self, kind: str) -> set[int]:
        if kind == "movie":
            return {*self.ratings, *self.put_aside, *self.emailed_movies}
        return {*self.rated_shows, *self.shows_put_aside, *self.emailed_shows}


# --- the words ---------------------------------------------------------------------------------

def stars(rating: float) -> str:
    """★ per star, ½ for a half: 4 -> "★★★★", 3.5 -> "★★★½" (a mean is rounded to the half)."""
    halves = max(1, int(rating * 2 + 0.5))
    return "★" * (halves // 2) + ("½" if halves % 2 else "")


def predicted(guess: Guess | None, reason: str) -> str:
    """The pick's reason led by the rating the model predicts, when it predicts one:
    "You'd give it about ★★★★ · because you rated Fargo ★★★★"."""
    if not guess:
        return reason
    return _("You'd give it about %(stars)s · %(reason)s") % {"stars": stars(guess.stars),
                                                              "reason": f"{reason[:1].lower()}{reason[1:]}"}


def because(title: str, rating: float) -> str:
    return _("Because you rated %(title)s %(stars)s") % {"title": title, "stars": stars(rating)}


def popular(title: Title) -> str:
    """The reason when nothing of the member's explains a pick: it is popular, and says so."""
    if title.rating_mean is None or not title.rating_count:
        return _("Popular on MyBigMovie (not picked from your ratings yet)")
    return ngettext("Popular on MyBigMovie: rated %(mean)s out of 5 by %(count)s person",
                    "Popular on MyBigMovie: rated %(mean)s out of 5 by %(count)s people", title.rating_count) % {
        "mean": i18n.fixed(title.rating_mean), "count": i18n.number(title.rating_count)}


def last_time(last: LastPicks | None, ratings: Ratings, occasion: str) -> str | None:
    """How the previous e-mail's picks did: "You rated 3 of last week's 5 picks, average 4.2 ★."
    ``ratings`` is the member's taste (movies and shows as the recommender's items); None for a
    first e-mail."""
    if last is None or last.occasion == occasion:
        return None
    items = [*last.movie_ids, *(show_item_id(show) for show in last.show_ids)]
    if not items:
        return None
    rated = [ratings[item] for item in items if item in ratings]
    values = {"count": len(items), "rated": len(rated),
              "average": i18n.fixed(sum(rated) / len(rated)) if rated else ""}
    return _last_time_words(_whose(last.occasion, occasion), bool(rated), len(items)) % values


def _last_time_words(whose: str, rated: bool, count: int) -> str:
    """One sentence per (which e-mail, rated any): whole sentences translate well, pieces do not."""
    if whose == "welcome":
        return (ngettext("You rated %(rated)s of your welcome e-mail's %(count)s pick, average %(average)s ★.",
                         "You rated %(rated)s of your welcome e-mail's %(count)s picks, average %(average)s ★.",
                         count) if rated else
                ngettext("You have not rated your welcome e-mail's pick yet: each rating makes the next picks "
                         "better.", "You have not rated any of your welcome e-mail's %(count)s picks yet: each "
                         "rating makes the next picks better.", count))
    if whose == "last week":
        return (ngettext("You rated %(rated)s of last week's %(count)s pick, average %(average)s ★.",
                         "You rated %(rated)s of last week's %(count)s picks, average %(average)s ★.", count)
                if rated else
                ngettext("You have not rated last week's pick yet: each rating makes the next picks better.",
                         "You have not rated any of last week's %(count)s picks yet: each rating makes the next "
                         "picks better.", count))
    return (ngettext("You rated %(rated)s of our last e-mail's %(count)s pick, average %(average)s ★.",
                     "You rated %(rated)s of our last e-mail's %(count)s picks, average %(average)s ★.", count)
            if rated else
            ngettext("You have not rated our last e-mail's pick yet: each rating makes the next picks better.",
                     "You have not rated any of our last e-mail's %(count)s picks yet: each rating makes the next "
                     "picks better.", count))


def _whose(previous: str, occasion: str) -> str:
    if previous == "welcome":
        return "welcome"
    return "last week" if previous == _week_before(occasion) else "last e-mail"


def day_of(occasion: str, today: date | None = None) -> date:
    """The day a picks e-mail is for: its week's Monday, or today for a welcome."""
    try:
        year, week = occasion.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return today or date.today()


def _week_before(occasion: str) -> str | None:
    try:
        year, week = occasion.split("-W")
        before = date.fromisocalendar(int(year), int(week), 1) - timedelta(days=7)
    except ValueError:
        return None
    iso = before.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- the choice ----------------------------------------------------------------------------------

async def choose(reads: ReadSide, recommender: Recommender, who: Recipient, k: int) -> list[Pick]:
    """The member's best ``k`` titles not yet rated, put aside or e-mailed: movies, and up to
    ``SHOWS_AT_MOST`` shows when they rate shows and want them; each kind best first."""
    shows = await _shows(reads, recommender, who, min(SHOWS_AT_MOST, k)) if who.wants_shows else []
    movies = await _movies(reads, recommender, who, k - len(shows))
    chosen = movies + shows
    items = [t.id if t.kind == "movie" else show_item_id(t.id) for t in chosen]
    guessed = (recommender.guesses(who.taste, items) if who.taste else None) or {}
    return [Pick(t.kind, t.id, t.title, t.year, predicted(guessed.get(item), await _reason(reads, who, t, guessed.get(item))))
            for t, item in zip(chosen, items)]


def newcomer_mix(pool: list[Title], k: int, seed: str) -> list[Title]:
    """``k`` of ``pool`` (best-liked first) for a member whose taste nobody knows yet: a draw of their
    own (seeded by who they are, so a retried e-mail holds the same), the better-liked the likelier,
    and no two with the same first genre while others are left. Returned best-liked first."""
    rng = random.Random(seed)
    # A weighted order without replacement (Efraimidis-Spirakis): rank r weighs 1 / (r + 10).
    drawn = sorted(range(len(pool)), key=lambda rank: rng.random() ** (rank + 10), reverse=True)
    chosen: list[int] = []
    seen_genres: set[str] = set()
    for rank in drawn:
        genre = pool[rank].genres[0] if pool[rank].genres else None
        if genre not in seen_genres or genre is None:
            chosen.append(rank)
            seen_genres.add(genre)
        if len(chosen) == k:
            break
    chosen += [rank for rank in drawn if rank not in chosen][:k - len(chosen)]
    return [pool[rank] for rank in sorted(chosen)]


async def _movies(reads: ReadSide, recommender: Recommender, who: Recipient, k: int) -> list[Title]:
    if k <= 0:
        return []
    exclude = who.left_out("movie")
    if not who.taste:  # nothing rated yet: not the same five for everybody
        return newcomer_mix(await reads.popular_movies(MovieFilter(), exclude, limit=NEWCOMER_POOL), k, who.user_id)
    # More than k: the best items may be shows, or titles the catalog does not list.
    ranked = (recommender.top(who.taste, 10 * k, exclude) or []) if who.taste else []
    found = await reads.movies_by_id(ranked)
    chosen = [found[i] for i in ranked if i in found][:k]
    if len(chosen) < k:  # no model yet, or it knows too few: the most popular fill in
        exclude |= {title.id for title in chosen}
        chosen += await reads.popular_movies(MovieFilter(), exclude, limit=k - len(chosen))
    return chosen


async def _shows(reads: ReadSide, recommender: Recommender, who: Recipient, k: int) -> list[Title]:
    """The member's best ``k`` shows over every show the model knows; the most popular while there
    is no model."""
    exclude = who.left_out("show")
    items = recommender.top(who.taste, 10 * k, {show_item_id(show) for show in exclude}, shows=True) or []
    found = await reads.shows_by_id(item - SHOW_ID_BASE for item in items)
    chosen = [found[item - SHOW_ID_BASE] for item in items if item - SHOW_ID_BASE in found][:k]
    if len(chosen) < k:
        exclude |= {show.id for show in chosen}
        chosen += await reads.shows(exclude=exclude, limit=k - len(chosen))
    return chosen


async def _reason(reads: ReadSide, who: Recipient, title: Title, guess: Guess | None) -> str:
    """The reason the cards give (``Recommender.guesses``): the member's rating that adds most."""
    if guess and guess.because is not None and (rated := await _title_of(reads, guess.because)):
        return because(rated.title, who.taste[guess.because])
    return popular(title)


async def _title_of(reads: ReadSide, item: int) -> Title | None:
    return await reads.show(item - SHOW_ID_BASE) if item >= SHOW_ID_BASE else await reads.movie(item)
