"""A season's episodes and rating form served from the fragment cache (web.controllers.shows.
season_widget) are the template's own output, byte for byte, whatever the episodes' names, the
member's ratings and the part of the season; and what the form sends is read strictly."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from domain.errors import InvalidInput
from projections.views import Episode
from tests.unit.test_fragments import CSRF, UUID, text
from web.controllers.shows import season_changes, season_widget
from web.rendering import environment

SHARED = environment()  # one cache for every example: a state missing from the key would show
HALF_STARS = [x / 2 for x in range(1, 11)]


def render(env, source: str, **context) -> str:
    return env.from_string(source).render(csrf_token=lambda: CSRF, **context)


seasons = st.integers(1, 3).flatmap(lambda season: st.lists(
    st.tuples(st.integers(1, 12), st.none() | text, st.none() | st.just("2011-04-17")),
    min_size=1, max_size=6, unique_by=lambda e: e[0]).map(
        lambda eps: (season, [Episode(season, n, title or f"Episode {n}", air) for n, title, air in sorted(eps)])))


@settings(max_examples=150, deadline=None)
@given(season=seasons, signed_in=st.booleans(), rated=st.dictionaries(st.integers(1, 12), st.sampled_from(HALF_STARS)),
       part=st.integers(1, 3), error=st.none() | st.just("Choose <b>a</b> rating."))
def test_a_cached_season_is_the_templates_season(season, signed_in, rated, part, error):
    number, episodes = season
    show = SimpleNamespace(id=7, title="A <Show>")
    parts = [(p, 1, 2) for p in range(1, 4)] if part > 1 else []
    was = ",".join(f"{n}:{r:g}" for n, r in sorted(rated.items()) if n in {e.number for e in episodes})
    context = dict(show=show, season=number, episodes=episodes, part=part, parts=parts, ratings=rated, was=was,
                   error=error, member=SimpleNamespace(user_id="u") if signed_in else None)
    for _ in range(2):  # rendered, then served from the cache
        cached = render(SHARED, "{{ season_widget() }}", season_widget=season_widget, **context)
        reference = render(SHARED, '{% include "partials/season_episodes.html" %}', **context)
        assert UUID.sub("ID", cached) == UUID.sub("ID", reference)
        assert len(set(UUID.findall(cached))) == cached.count('name="command_id"') == (1 if signed_in else 0)


def test_the_form_is_read_strictly_and_only_changes_count():
    numbers = [1, 2, 3]
    assert season_changes({"e1": "4", "e2": "", "e3": "2.5"}, "1:4,3:2", numbers) == [(3, 2.5)]
    assert season_changes({"e1": "", "e9": "5"}, "1:4,9:1", numbers) == [(1, None)]  # e9: not this season's
    assert season_changes({}, "", numbers) == []
    for fields, was in (({"e1": "4.2"}, ""), ({"e1": "six"}, ""), ({"e1": "inf"}, ""), ({"e1": "0"}, ""),
                        ({"e1": ["4"]}, ""), ({}, "1:"), ({}, "1:4;2:3"), ({}, ":4"), ({}, "1:4,"), ({}, "-1:4")):
        with pytest.raises(InvalidInput):
            season_changes(fields, was, numbers)
