"""The cards and rating widgets served from web/fragments.py are the templates' own output, byte for
byte, whatever the title's text, the visitor's state and the page to come back to."""
from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from mybigmovie import i18n

from projections.views import Episode, Member, Show, Title
from web.fragments import ANONYMOUS, Fragments, TitleState
from web.rendering import environment

CSRF = "tok-<&>\"'"  # escaped like any other value, whatever it holds
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HALF_STARS = [x / 2 for x in range(1, 11)]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
titles = st.builds(Title, id=st.integers(1, 2**53), kind=st.just("movie"), title=text,
                   year=st.none() | st.integers(1880, 2030), genres=st.lists(text, max_size=3).map(tuple),
                   rating_count=st.integers(0, 10**6), rating_mean=st.none() | st.floats(0.5, 5))
# A request's own path (and query, when it has one: "/x?" comes back as "/x", so it is not a back to draw).
backs = (st.sampled_from(["/movies", "/", "/movies?genre=Drama&decade=1990&page=2", "/search?q=<b>&x='\""]) |
         st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=30).map(lambda t: "/" + t)
         ).filter(lambda back: not back.endswith("?"))


def member_of(movie_id: int, rating: float | None, not_seen: bool, not_interested: bool) -> Member:
    return Member(user_id="u", display_name="M", email="m@example.org",
                  ratings={movie_id: rating} if rating else {}, not_seen=frozenset({movie_id} if not_seen else ()),
                  not_interested=frozenset({movie_id} if not_interested else ()), show_ratings={},
                  episode_ratings={})


def direct(env, template: str, **context) -> str:
    """What the template renders for this context, with the request's own values: the reference."""
    return env.get_template(template).render(csrf_token=lambda: CSRF, **context)


def page(env, source: str, **context) -> str:
    request = SimpleNamespace(url=SimpleNamespace(path=context.pop("path"), query=context.pop("query")))
    return env.from_string(source).render(csrf_token=lambda: CSRF, request=request, **context)


def same_but_ids(cached: str, reference: str) -> None:
    assert UUID.sub("ID", cached) == UUID.sub("ID", reference)
    # every form gets an id of its own
    ids = UUID.findall(cached)
    assert len(ids) == len(set(ids)) == cached.count('name="command_id"')


@settings(max_examples=200, deadline=None)
@given(movie=titles, signed_in=st.booleans(), rating=st.none() | st.sampled_from(HALF_STARS),
       not_seen=st.booleans(), not_interested=st.booleans(), back=backs, rank=st.integers(1, 10_000))
def test_a_cached_card_is_the_templates_card(movie, signed_in, rating, not_seen, not_interested, back, rank):
    env = environment()
    member = member_of(movie.id, rating, not_seen, not_interested) if signed_in else None
    path, _, query = back.partition("?")
    for _ in range(2):  # rendered, then served from the cache
        cached = page(env, "{{ movie_card(movie, rank) }}", movie=movie, rank=rank, member=member, path=path,
                      query=query)
        reference = direct(env, "partials/movie_card.html", movie=movie, rank=rank, back=back,
                           state=TitleState.of(member, movie.id))
        same_but_ids(cached, reference)


# One environment, so one cache, for every example of the tests below: a state missing from a cache
# key would serve one visitor's fragment to another and fail the comparison with the template's.
SHARED = environment()
shows = st.builds(Show, id=st.integers(1, 3), kind=st.just("show"), title=text,
                  year=st.none() | st.integers(1940, 2030), genres=st.lists(text, max_size=3).map(tuple),
                  rating_count=st.integers(0, 10**6), rating_mean=st.none() | st.floats(0.5, 5),
                  seasons=st.just({1: [Episode(1, 1, "Pilot")]}))


def show_member(show_id: int, rating: float | None, episode: tuple[int, int] | None, not_seen: bool,
                not_interested: bool) -> Member:
    key = f"{show_id}:{episode[0]}:{episode[1]}" if episode else None
    return Member(user_id="u", display_name="M", email="m@example.org", ratings={}, not_seen=frozenset(),
                  not_interested=frozenset(), show_ratings={show_id: rating} if rating and not episode else {},
                  episode_ratings={key: rating} if rating and episode else {},
                  show_not_seen=frozenset({show_id} if not_seen else ()),
                  show_not_interested=frozenset({show_id} if not_interested else ()))


@settings(max_examples=300, deadline=None)
@given(rating=st.none() | st.sampled_from(HALF_STARS), episode=st.none() | st.tuples(st.integers(0, 2),
       st.integers(0, 2)), signed_in=st.booleans(), not_seen=st.booleans(), not_interested=st.booleans(),
       back=backs)
def test_a_cached_show_or_episode_widget_is_the_templates_widget(rating, episode, signed_in, not_seen,
                                                                 not_interested, back):
    show = SimpleNamespace(id=7)
    member = show_member(7, rating, episode, not_seen, not_interested) if signed_in else None
    path, _, query = back.partition("?")
    source = "{{ episode_actions(show, episode) }}" if episode else "{{ show_actions(show) }}"
    for _ in range(2):
        cached = page(SHARED, source, show=show, episode=episode, member=member, path=path, query=query)
        reference = direct(SHARED, "partials/show_actions.html", show_id=7, episode=episode, back=back,
                           state=TitleState.of_show(member, 7, episode))
        same_but_ids(cached, reference)


@settings(max_examples=300, deadline=None)
@given(show=shows, signed_in=st.booleans(), rating=st.none() | st.sampled_from(HALF_STARS),
       not_seen=st.booleans(), not_interested=st.booleans(), back=backs, rank=st.integers(1, 10_000))
def test_a_cached_show_card_is_the_templates_card(show, signed_in, rating, not_seen, not_interested, back, rank):
    member = show_member(show.id, rating, None, not_seen, not_interested) if signed_in else None
    path, _, query = back.partition("?")
    for _ in range(2):
        cached = page(SHARED, "{{ show_card(show, rank) }}", show=show, rank=rank, member=member, path=path,
                      query=query)
        reference = direct(SHARED, "partials/show_card.html", show=show.as_title(), rank=rank, back=back,
                           state=TitleState.of_show(member, show.id))
        same_but_ids(cached, reference)


def test_a_shows_card_and_page_carry_its_controls_as_the_member_left_them():
    # given a member who rated one show and put another aside
    member = show_member(1, 4.0, None, False, False)
    aside = Member(**{**member.__dict__, "show_ratings": {}, "show_not_seen": frozenset({2}),
                      "show_not_interested": frozenset({2})})
    rated = page(SHARED, "{{ show_card(show, 1) }}", show=Show(id=1, kind="show", title="Rated"), member=member,
                 path="/shows", query="")
    put_aside = page(SHARED, "{{ show_card(show, 1) }}", show=Show(id=2, kind="show", title="Aside"), member=aside,
                     path="/shows", query="")
    # then the rated one offers to remove the rating, the other to undo both marks
    assert "/shows/1/rating/delete" in rated and 'value="4.0" checked' in rated and "Not seen</button>" not in rated
    assert "Marked not seen · undo" in put_aside and "Not interested · undo" in put_aside
    assert "/rating/delete" not in put_aside
    episode = page(SHARED, "{{ episode_actions(show, (1, 2)) }}", show=SimpleNamespace(id=1),
                   member=show_member(1, 3.5, (1, 2), False, False), path="/shows/1", query="")
    assert "/shows/1/episodes/1/2/rating/delete" in episode and "not-seen" not in episode


def test_the_rating_shows_on_the_card_as_the_checked_star():
    env = environment()
    movie = Title(id=318, kind="movie", title="The Shawshank Redemption")
    html = page(env, "{{ movie_card(movie, 1) }}", movie=movie, member=member_of(318, 3.5, False, False),
                path="/movies", query="")
    assert re.search(r'value="3.5" checked', html) and html.count("checked") == 1
    assert "Remove my rating" in html and 'value="/movies"' in html


def test_a_title_holding_the_marker_character_is_rendered_every_time_and_never_kept():
    env = environment()
    fragments = Fragments(env)
    movie = Title(id=1, kind="movie", title="nul \x00csrf\x00 inside")  # a marker as they were before the secret
    holes = {"csrf": "T", "back": "/", "back_query": "/", "rank": "1"}
    html = fragments.render("partials/movie_card.html", (movie, TitleState(False)),
                            {"movie": movie, "state": TitleState(False)}, holes)
    assert "nul \x00csrf\x00 inside" in html  # the title as it is, not a token in its place
    assert fragments.render_once("partials/movie_card.html", {"movie": movie, "state": TitleState(False)},
                                 holes) == html


def test_the_cache_keeps_at_most_its_size_and_drops_the_least_recently_used():
    env = environment()
    fragments = Fragments(env, size=3)
    holes = {"csrf": "T", "back": "/", "back_query": "/", "rank": "1"}
    movies = [Title(id=i, kind="movie", title=f"M{i}") for i in range(5)]
    for movie in movies[:3]:
        fragments.render("partials/movie_card.html", movie, {"movie": movie, "state": TitleState(False)}, holes)
    fragments.render("partials/movie_card.html", movies[0], {"movie": movies[0], "state": TitleState(False)}, holes)
    fragments.render("partials/movie_card.html", movies[3], {"movie": movies[3], "state": TitleState(False)}, holes)
    assert len(fragments) == 3
    kept = {key for _, key, _ in fragments._split}
    assert kept == {movies[0], movies[2], movies[3]}  # M1, the least recently used, went


@settings(max_examples=100, deadline=None)
@given(movie=titles, rating=st.sampled_from(HALF_STARS))
def test_a_cached_rated_row_is_the_templates_row(movie, rating):
    env = environment()
    for _ in range(2):
        cached = env.from_string("{{ rated_row(movie, rating) }}").render(movie=movie, rating=rating)
        assert cached == direct(env, "partials/rated_row.html", movie=movie, rating=rating)


def test_command_ids_are_fresh_version_4_uuids_in_every_thread():
    import threading
    import uuid

    from web.fragments import new_command_id

    found: list[str] = []

    def draw() -> None:
        found.extend(new_command_id() for _ in range(3000))  # past several blocks of 256

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == len(found) == 12_000
    assert all((u := uuid.UUID(x)).version == 4 and u.variant == uuid.RFC_4122 and str(u) == x for x in found)


def test_a_card_is_kept_per_language():
    # given a card rendered (and kept) for an English visitor
    env = environment()
    fragments = Fragments(env)
    movie = Title(id=7, kind="movie", title="Heat", genres=("Crime",), rating_count=24_000, rating_mean=3.9)
    holes = {"csrf": "T", "back": "/", "back_query": "/", "rank": "1"}
    card = {"movie": movie, "state": ANONYMOUS}
    render = lambda: fragments.render("partials/movie_card.html", (movie, ANONYMOUS), card, holes)  # noqa: E731
    english = render()
    # when the same card is asked for in French, then in English again
    with i18n.use("fr"):
        french = render()
    again = render()
    # then each language gets its own card, from the cache the second time
    assert "Log in" in english and "24,000 ratings" in english and "Crime" in english
    assert "Connectez-vous" in french and "24\u202f000 notes" in french and "Policier" in french and "Log in" not in french
    assert again == english and len(fragments) == 2
