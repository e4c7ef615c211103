"""The picks e-mail's pure parts: e-mail choices decided and folded, what is picked and left out,
why each pick, how last week's picks did, the links it carries and the message it makes."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import pytest
from aiosmtplib.email import flatten_message

from domain import accounts, events as e
from domain.accounts import Account, Stamp
from domain.errors import InvalidLink, UnknownUser
from mybigmovie import email_picks
from mybigmovie.email_picks import Pick, Recipient, because, last_time, popular, stars
from mybigmovie.recommendations import Guess
from mybigmovie.mail_links import NOT_INTERESTED, SEEN, UNSUBSCRIBE, MailLinks
from mybigmovie.tokens import LinkTokens
from projections.user_profiles import UserProfiles
from projections.views import LastPicks, Member, Show, Title
from recommender.tv import show_item_id
from workers.mail import Letter, render

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
LINKS = MailLinks(LinkTokens("a secret key of the site"), "https://movies.example/")


def member_account(*events: e.Event) -> Account:
    signed = [e.UserSignedUp(event_id="1", stream="user-u", occurred_at=NOW, user_id="u",
                             personal=e.Sealed(nonce=b"n" * 12, data=b"d")),
              e.EmailVerified(event_id="2", stream="user-u", occurred_at=NOW, user_id="u", email_version=1)]
    return Account.from_events("u", [*signed, *events])


def stamp(command_id: str = "c1") -> Stamp:
    return Stamp("user-u", command_id, NOW)


# --- the e-mail choices ----------------------------------------------------------------------------

def test_every_member_gets_the_weekly_e_mail_with_shows_until_they_say_otherwise():
    account = member_account()
    assert account.weekly_email and account.email_shows


def test_a_change_of_choices_is_one_event_and_no_change_is_none():
    account = member_account()
    [changed] = accounts.change_email_preferences(account, stamp(), weekly=True, shows=False)
    assert isinstance(changed, e.EmailPreferencesChanged) and (changed.weekly, changed.shows) == (True, False)
    assert accounts.change_email_preferences(account, stamp(), weekly=True, shows=True) == []
    account.apply(changed)
    assert (account.weekly_email, account.email_shows) == (True, False)


def test_unsubscribing_keeps_the_shows_choice_and_twice_is_once():
    account = member_account(e.EmailPreferencesChanged(event_id="3", stream="user-u", occurred_at=NOW, user_id="u",
                                                       weekly=True, shows=False))
    [off] = accounts.change_email_preferences(account, stamp(), weekly=False)
    assert (off.weekly, off.shows) == (False, False)
    account.apply(off)
    assert accounts.change_email_preferences(account, stamp("c2"), weekly=False) == []


def test_a_deleted_account_has_no_choices_to_change():
    account = member_account(e.AccountDeleted(event_id="3", stream="user-u", occurred_at=NOW, user_id="u",
                                              ratings_kept=False))
    with pytest.raises(UnknownUser):
        accounts.change_email_preferences(account, stamp(), weekly=False)


# --- the profile ------------------------------------------------------------------------------------

def fold(*events, document=None):
    projection = UserProfiles()
    for event in events:
        [key] = projection.keys(event)
        document = projection.apply(document, event, key)
    return document


def picks_emailed(stream: str, occasion: str, movies: tuple, shows: tuple | None = None) -> e.PicksEmailed:
    extra = {} if shows is None else {"show_ids": shows}
    return e.PicksEmailed(event_id=occasion, stream=stream, occurred_at=NOW, user_id="u", occasion=occasion,
                          movie_ids=movies, **extra)


def test_e_mailed_titles_fold_alike_from_a_mailing_stream_and_from_an_older_logs_member_stream():
    # given an older log's welcome (in the member's stream, no shows) and a mailing's weekly e-mail
    profile = fold(picks_emailed("user-u", "welcome", (1, 2)),
                   picks_emailed("mailing-u-2026-W49", "2026-W49", (2, 3), (7,)))
    # then every title ever sent is remembered once, and the newest e-mail whole
    assert profile["emailed_movies"] == [1, 2, 3] and profile["emailed_shows"] == [7]
    assert profile["last_picks"] == {"occasion": "2026-W49", "movies": [2, 3], "shows": [7]}
    member = Member.from_profile({"_id": "u", **profile}, {"display_name": "Ann", "email": "ann@example.org"})
    assert member.emailed_movies == {1, 2, 3} and member.last_picks == LastPicks("2026-W49", (2, 3), (7,))


def test_a_profile_from_before_e_mail_choices_reads_as_everything_on_and_folds_on():
    old = {"_id": "u", "user_id": "u", "ratings": {}, "not_seen": [], "not_interested": [], "show_ratings": {},
           "episode_ratings": {}, "counts": {"ratings": 0}}
    member = Member.from_profile(old, {"display_name": "Ann", "email": "ann@example.org"})
    assert member.weekly_email and member.email_shows and not member.emailed_movies and member.last_picks is None
    changed = fold(e.EmailPreferencesChanged(event_id="p", stream="user-u", occurred_at=NOW, user_id="u",
                                             weekly=False, shows=True),
                   picks_emailed("user-u", "welcome", (4,)), document=dict(old))
    assert changed["weekly_email"] is False and changed["emailed_movies"] == [4]


# --- the words --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rating", "shown"), [(4.0, "★★★★"), (3.5, "★★★½"), (0.5, "½"), (5.0, "★★★★★"),
                                               (4.25, "★★★★½"), (3.74, "★★★½")])
def test_stars_are_repeated_with_a_half(rating, shown):
    assert stars(rating) == shown


def test_a_reason_names_the_rating_behind_it_or_says_plainly_it_is_popular():
    assert because("Fargo", 4.0) == "Because you rated Fargo ★★★★"
    assert popular(Title(1, "movie", "Heat", rating_count=24_000, rating_mean=3.94)) == \
        "Popular on MyBigMovie: rated 3.9 out of 5 by 24,000 people"
    assert popular(Title(1, "movie", "Heat")).startswith("Popular on MyBigMovie")


def test_the_line_on_last_weeks_picks_counts_and_averages_what_was_rated():
    last = LastPicks("2026-W48", (1, 2, 3, 4), (9,))
    taste = {1: 4.0, 3: 4.5, show_item_id(9): 4.0, 77: 1.0}  # 77 was rated but never e-mailed
    assert last_time(last, taste, "2026-W49") == "You rated 3 of last week's 5 picks, average 4.2 ★."
    assert last_time(last, taste, "2026-W51") == "You rated 3 of our last e-mail's 5 picks, average 4.2 ★."
    assert last_time(LastPicks("2026-W53", (1,)), {1: 3.0}, "2027-W01") == \
        "You rated 1 of last week's 1 pick, average 3.0 ★."  # 2026 has 53 ISO weeks
    welcome = last_time(LastPicks("welcome", (5, 6)), taste, "2026-W49")
    assert welcome == "You have not rated any of your welcome e-mail's 2 picks yet: each rating makes the next picks better."


def test_the_first_e_mail_has_no_line_on_last_time():
    assert last_time(None, {1: 4.0}, "welcome") is None
    assert last_time(LastPicks("2026-W49", (1,)), {1: 4.0}, "2026-W49") is None  # a re-send of the same


# --- the choice -------------------------------------------------------------------------------------

class Catalog:
    """The read side's catalog reads, over a few titles (popular order: by id)."""

    def __init__(self, movies: list[Title], shows: list[Show]) -> None:
        self.movies, self.all_shows = {m.id: m for m in movies}, shows

    async def movies_by_id(self, ids):
        return {i: self.movies[i] for i in ids if i in self.movies}

    async def popular_movies(self, where, exclude=(), skip=0, limit=24):
        return [m for i, m in sorted(self.movies.items()) if i not in set(exclude)][skip:skip + limit]

    async def shows(self, where=None, exclude=(), skip=0, limit=24):
        return [s for s in self.all_shows if s.id not in set(exclude)][skip:skip + limit]

    async def shows_by_id(self, ids):
        wanted = set(ids)
        return {s.id: s for s in self.all_shows if s.id in wanted}

    async def movie(self, movie_id):
        return self.movies.get(movie_id)

    async def show(self, show_id):
        return next((s for s in self.all_shows if s.id == show_id), None)


class NoModel:
    def top(self, ratings, k, exclude, shows=False):
        return None

    def guesses(self, ratings, items):
        return None


class Model(NoModel):
    """Likes high ids best; explains everything by the member's best-rated item; predicts 4 stars."""

    def top(self, ratings, k, exclude, shows=False):
        items = ([show_item_id(i) for i in range(20, 0, -1)] if shows
                 else [99, *range(20, 0, -1)])  # an unlisted movie among the best
        return [i for i in items if i not in exclude and i not in ratings][:k]

    def guesses(self, ratings, items):
        return {item: Guess(4.0, max(ratings, key=ratings.get)) for item in items if item not in ratings}


MOVIES = [Title(i, "movie", f"Movie {i}", 2000 + i, rating_count=100 * i, rating_mean=3.5) for i in range(1, 13)]
SHOWS = [Show(i, "show", f"Show {i}", 2010 + i) for i in range(1, 6)]


async def choose(who: Recipient, model=None) -> list[Pick]:
    return await email_picks.choose(Catalog(MOVIES, SHOWS), model or NoModel(), who, 5)


async def test_picks_leave_out_what_was_rated_put_aside_or_already_e_mailed():
    who = Recipient(ratings={1: 4.0}, put_aside=frozenset({2, 3}), emailed_movies=frozenset({4, 5}))
    picked = await choose(who)
    assert [p.id for p in picked] == [6, 7, 8, 9, 10] and {p.kind for p in picked} == {"movie"}
    assert all(p.reason.startswith("Popular on MyBigMovie") for p in picked)  # no model: says so


async def test_with_a_model_picks_are_its_best_listed_movies_each_with_the_rating_behind_it():
    who = Recipient(ratings={1: 4.0, 12: 2.5}, emailed_movies=frozenset({20, 11}))
    picked = await choose(who, Model())
    assert [p.id for p in picked] == [10, 9, 8, 7, 6]  # 20 was e-mailed, 99 and the show are not movies here
    assert picked[0].reason == "You'd give it about ★★★★ · because you rated Movie 1 ★★★★" and picked[0].path == "/movies/10"


async def test_a_member_who_rates_shows_gets_up_to_two_of_them_unless_she_turned_shows_off():
    who = Recipient(ratings={1: 4.0}, show_ratings={5: 4.5}, rated_shows=frozenset({5}),
                    emailed_shows=frozenset({4}))
    picked = await choose(who, Model())
    assert [(p.kind, p.id) for p in picked] == [("movie", 12), ("movie", 11), ("movie", 10), ("show", 3),
                                                ("show", 2)]
    assert picked[3].reason == "You'd give it about ★★★★ · because you rated Show 5 ★★★★½" and picked[3].path == "/shows/3"
    off = Recipient(ratings={1: 4.0}, show_ratings={5: 4.5}, rated_shows=frozenset({5}), shows=False)
    assert {p.kind for p in await choose(off, Model())} == {"movie"}
    never = Recipient(ratings={1: 4.0})  # shows on, but she never rated one
    assert {p.kind for p in await choose(never, Model())} == {"movie"}


async def test_when_everything_was_sent_there_is_nothing_to_pick():
    who = Recipient(ratings={}, emailed_movies=frozenset(range(1, 13)))
    assert await choose(who) == []


def test_the_recipient_takes_what_must_be_exact_from_the_account_and_the_rest_from_the_profile():
    account = member_account(e.MovieRated(event_id="3", stream="user-u", occurred_at=NOW, user_id="u", movie_id=1,
                                          rating=4.0),
                             e.MarkedNotInterested(event_id="4", stream="user-u", occurred_at=NOW, user_id="u",
                                                   movie_id=2),
                             e.EpisodeRated(event_id="5", stream="user-u", occurred_at=NOW, user_id="u", show_id=8,
                                            season=1, episode=1, rating=5.0))
    profile = Member("u", "Ann", "ann@example.org", ratings={}, not_seen=frozenset(), not_interested=frozenset(),
                     show_ratings={}, episode_ratings={"8:1:1": 5.0}, emailed_movies=frozenset({3}))
    who = Recipient.of(account, profile)
    assert who.left_out("movie") == {1, 2, 3} and who.left_out("show") == {8} and who.wants_shows
    assert who.taste == {1: 4.0, show_item_id(8): 5.0}
    assert Recipient.of(account, None).left_out("movie") == {1, 2}  # a profile not caught up yet


# --- the links and the message ------------------------------------------------------------------------

def token_of(url: str) -> str:
    from urllib.parse import unquote
    return unquote(url.rsplit("/", 1)[1].split("token=")[-1])


def test_each_link_reads_back_for_its_own_purpose_only():
    unsubscribe = token_of(LINKS.unsubscribe("u"))
    assert LINKS.read_unsubscribe(unsubscribe) == "u"
    not_interested = token_of(LINKS.pick(NOT_INTERESTED, "u", "movie", 7))
    link = LINKS.read_pick(NOT_INTERESTED, not_interested)
    assert (link.user_id, link.kind, link.title_id, link.path) == ("u", "movie", 7, "/movies/7")
    assert link.command_id == LINKS.read_pick(NOT_INTERESTED, not_interested).command_id  # replayed: one command
    assert link.command_id != LINKS.read_pick(NOT_INTERESTED, token_of(LINKS.pick(NOT_INTERESTED, "u", "movie", 7))
                                              ).command_id  # another e-mail's link: another command
    for purpose, token in ((UNSUBSCRIBE, not_interested), (SEEN, not_interested), (NOT_INTERESTED, unsubscribe)):
        with pytest.raises(InvalidLink):
            LINKS.read_pick(purpose, token) if purpose != UNSUBSCRIBE else LINKS.read_unsubscribe(token)
    with pytest.raises(InvalidLink):  # signed by another site
        MailLinks(LinkTokens("another key"), "https://x").read_unsubscribe(unsubscribe)


def test_a_well_signed_link_of_the_wrong_shape_is_refused():
    tokens = LinkTokens("a secret key of the site")
    for payload in ({"u": "u", "k": "movie", "i": "7", "n": "x"}, {"u": "u", "k": "book", "i": 7, "n": "x"},
                    {"u": "u", "k": "movie", "i": 0, "n": "x"}, {"u": 5, "k": "movie", "i": 7, "n": "x"}):
        with pytest.raises(InvalidLink):
            LINKS.read_pick(SEEN, tokens.make(SEEN, payload))
    with pytest.raises(InvalidLink):
        LINKS.read_unsubscribe(tokens.make(UNSUBSCRIBE, {"u": ""}))


def message_of(letter: Letter):
    message = render(letter, LINKS, "u", "MyBigMovie <picks@movies.example>", "ann@example.org", "<m1@movies.example>")
    # as the SMTP server receives it: flattened by the mail library that sends it, read back
    return email.message_from_bytes(flatten_message(message), policy=email.policy.default), flatten_message(message)


def test_the_message_lists_the_picks_with_their_reasons_links_and_last_weeks_line():
    picks = [Pick("movie", 3, "Amélie <3", 2001, "Because you rated Fargo ★★★★"),
             Pick("show", 9, "Breaking Bad", 2008, "Popular on MyBigMovie")]
    message, _ = message_of(Letter("Ann & Bob", "2026-W49", picks, "You rated 3 of last week's 5 picks, average 4.2 ★."))
    assert message["Subject"] == "Your 2 picks for this week" and message["Message-ID"] == "<m1@movies.example>"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "1. Amélie <3 (2001)\n" in text and "2. Breaking Bad (2008), a TV show" in text
    assert "Because you rated Fargo ★★★★" in text and "You rated 3 of last week's 5 picks" in text
    assert "https://movies.example/movies/3" in text and "https://movies.example/shows/9" in text
    assert text.count("/picks/seen?token=") == 2 and text.count("/picks/not-interested?token=") == 2  # shows too
    html = message.get_body(("html",)).get_content()
    assert "Amélie &lt;3" in html and "Ann &amp; Bob" in html and "<3" not in html
    assert "Seen it — rate it" in html and html.count("Not interested</a>") == 2


def test_the_unsubscribe_headers_stay_whole_on_one_line():
    message, raw = message_of(Letter("Ann", "welcome", [Pick("movie", 1, "Heat", 1995, "Popular on MyBigMovie")]))
    assert message["Subject"] == "Welcome to MyBigMovie: 1 movie to start with"
    [line] = [line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")]
    assert line.startswith(b"List-Unsubscribe: <https://movies.example/unsubscribe/") and line.endswith(b">")
    assert b"=?" not in line and len(line) < 998  # no RFC 2047 encoded words: a mail client reads the URL
    assert LINKS.read_unsubscribe(token_of(line.decode()[len("List-Unsubscribe: <"):-1])) == "u"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_welcome_keeps_its_shape():
    picks = [Pick("movie", i, t, 1990 + i, "Popular on MyBigMovie") for i, t in ((6, "Rocky"), (5, "Psycho"))]
    message, _ = message_of(Letter("Ann", "welcome", picks))
    text = message.get_body(("plain",)).get_content()
    assert "Welcome to MyBigMovie! Here are two movies to start with." in text
    assert text.index("1. Rocky (1996)") < text.index("2. Psycho (1995)") and "last week" not in text


def test_members_with_no_ratings_each_get_a_mix_of_their_own_from_the_best_liked():
    from mybigmovie.email_picks import newcomer_mix
    genres = ["Drama", "Comedy", "Action", "Horror", "Crime", "Romance"]
    pool = [Title(i, "movie", f"M{i}", genres=(genres[i % 6],)) for i in range(60)]
    mixes = {tuple(t.id for t in newcomer_mix(pool, 5, f"user-{n}")) for n in range(50)}
    assert len(mixes) > 40  # not the same five for everybody
    one = newcomer_mix(pool, 5, "user-1")
    assert one == newcomer_mix(pool, 5, "user-1")  # a retried e-mail holds the same
    assert [t.id for t in one] == sorted(t.id for t in one) and len({t.genres[0] for t in one}) == 5
    # the better-liked are likelier: over many members, the top 20 are drawn far more than the last 20
    counts = [0] * 60
    for n in range(500):
        for title in newcomer_mix(pool, 5, f"m{n}"):
            counts[title.id] += 1
    assert sum(counts[:20]) > 2 * sum(counts[40:])
    assert newcomer_mix(pool[:3], 5, "u") == pool[:3]  # a small catalog: all of it
