"""A member's lists over the whole catalog, with what the model thinks on every card.

600 movies, the least popular hundred of them Westerns that one kind of member loves: a member who
rates Westerns highly finds them on the first page of /movies, though each is beyond the 480 most
popular titles (a list that only re-ranked the popular ones could never show them). Their cards say
the rating the model predicts and which of their own ratings adds most; a visitor's cards say
where a title stands in its genre instead.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from recommender import artifact
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import PRESETS
from tests.integration.web_harness import (Movie, form, join, movie_listed, seed, titles, web_client,
                                           web_services)  # noqa: F401 (a fixture)

WESTERNS = range(501, 601)
BIG = [Movie(i, f"{'Western' if i in WESTERNS else 'Film'} {i}", 1950 + i % 70,
             ("Western",) if i in WESTERNS else (("Comedy",) if i % 2 else ("Crime",)), 100_000 - 100 * i, 3.6)
       for i in range(1, 601)]


def publish_model(model_dir) -> None:
    """90 users: a third love Westerns and dislike the rest, two thirds the other way round."""
    rng = np.random.default_rng(3)
    users, items, ratings = [], [], []
    for user in range(90):
        western_fan = user % 3 == 0
        for movie in rng.choice(600, size=150, replace=False) + 1:
            likes = (movie in WESTERNS) == western_fan
            users.append(user), items.append(int(movie))
            ratings.append(float(np.clip(round((4.5 if likes else 1.5) + rng.normal(0, 0.4)), 1, 5)))
    model = fit(RatingsMatrix.from_triples(np.array(users), np.array(items), np.array(ratings)), PRESETS["fast"])
    artifact.save(model, model_dir)


@pytest.fixture
async def big_site(web_services, mongo_url, smtp_inbox):
    await seed(web_services, [movie_listed(movie) for movie in BIG])
    publish_model(web_services.settings.model_dir)
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


async def act(client, movie_id: int, path: str, fields: dict) -> None:
    page = await client.get(f"/movies/{movie_id}")
    response = await client.post(f"/movies/{movie_id}/{path}", data=form(page.text, f"/movies/{movie_id}/{path}") | fields)
    assert response.status_code == 303, response.text


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card" id="movie-(\d+)">', html)]


async def western_fan(client) -> dict[int, float]:
    await join(client, "ann@example.org")
    rated = {501: 5.0, 502: 5.0, 503: 4.5, 504: 5.0, 2: 1.0, 3: 1.0}
    for movie_id, stars in rated.items():
        await act(client, movie_id, "rating", {"rating": f"{stars:g}"})
    return rated


async def test_the_whole_catalog_is_in_the_members_order(big_site):
    rated = await western_fan(big_site)
    first = ids((await big_site.get("/movies")).text)
    # every card of the first page is a Western, each beyond the 480 most popular titles
    assert len(first) == 24 and all(i in WESTERNS for i in first), first
    # hiding what they rated leaves it out of every page, and the pages still hold everything else
    seen: list[int] = []
    for number in range(1, 30):
        page = (await big_site.get(f"/movies?hide=rated&page={number}")).text
        seen += ids(page)
        if f"page={number + 1}" not in page:
            break
    assert not set(seen) & set(rated) and sorted(seen) == sorted(set(range(1, 601)) - set(rated))
    assert 'name="hide" value="rated" checked' in page  # the filter says it is on, and its links keep it
    # a title put aside leaves their list and "for you"
    await act(big_site, first[0], "not-interested", {"marked": "true"})
    assert first[0] not in ids((await big_site.get("/movies")).text)
    home = (await big_site.get("/")).text
    assert first[0] not in ids(home) and not set(ids(home)) & set(rated)
    assert all(i in WESTERNS for i in ids(home))


async def test_a_card_says_the_predicted_rating_and_the_strongest_reason(big_site):
    rated = await western_fan(big_site)
    page = (await big_site.get("/movies")).text
    card = page.split('<li class="card" id="movie-', 2)[1]
    predicted = re.search(r"You’d give it about <strong>([★½]+)</strong>", card)
    assert predicted and len(predicted.group(1).replace("½", "")) >= 4  # a Western, for a Western fan
    reason = re.search(r'because you rated <a href="/movies/(\d+)">', card)
    assert reason and int(reason.group(1)) in rated and rated[int(reason.group(1))] >= 4.5
    why = re.search(r'<a href="(/movies/\d+#why)">why\?<span class="visually-hidden"> \(', card).group(1)  # named for a screen reader
    explained = (await big_site.get(why.split("#")[0])).text
    assert 'id="why"' in explained and "The recommender guesses you’d give it about" in explained
    # a title they rated shows their own rating, not a guess
    rated_page = (await big_site.get("/movies/501")).text
    assert "The recommender guesses" not in rated_page


async def test_a_visitors_cards_say_where_a_title_stands_in_its_genre(big_site):
    page = (await big_site.get("/movies")).text
    first = page.split('<li class="card" id="movie-', 2)[1]
    assert "You’d give it" not in page
    assert re.search(r'popular with members who like <a href="/movies\?genre=Crime">Crime</a> \(no\. 1 there\)', first) \
        or re.search(r'popular with members who like <a href="/movies\?genre=Comedy">Comedy</a> \(no\. 1 there\)', first)
    assert titles(page)[0] == "Film 1"
