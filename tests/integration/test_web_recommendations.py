"""The site with a trained model: a real (tiny) model from ``recommender/`` published where the
app looks for it, a member's lists ordered by it, and the status line that says so — or says
"retraining…" and keeps polling while a retrain is under way."""
from __future__ import annotations

import json

import numpy as np
import pytest

from recommender import artifact
from recommender.matrix import RatingsMatrix
from recommender.model import fit
from recommender.settings import PRESETS
from tests.integration.web_harness import (CATALOG, catalog, form, join, site, titles, web_client,  # noqa: F401
                                           web_services)


def publish_tiny_model(model_dir) -> None:
    """60 users of two tastes: crime lovers (Godfather, Heat) and comedy lovers (Toy Story, Clueless)."""
    rng = np.random.default_rng(7)
    users, items, ratings = [], [], []
    for user in range(60):
        crime = user % 2 == 0
        for movie in CATALOG:
            likes = ("Crime" in movie.genres) == crime or "Comedy" in movie.genres and not crime
            users.append(user), items.append(movie.id)
            ratings.append(float(np.clip(round((4.5 if likes else 1.5) + rng.normal(0, 0.4)), 1, 5)))
    model = fit(RatingsMatrix.from_triples(np.array(users), np.array(items), np.array(ratings)), PRESETS["fast"])
    artifact.save(model, model_dir)


@pytest.fixture
async def model_site(catalog, web_services, mongo_url, smtp_inbox):
    publish_tiny_model(web_services.settings.model_dir)
    async with web_client(web_services.settings, mongo_url, inbox=smtp_inbox) as client:
        yield client


async def rate(client, movie_id: int, stars: str) -> None:
    page = await client.get(f"/movies/{movie_id}")
    response = await client.post(f"/movies/{movie_id}/rating",
                                 data=form(page.text, f"/movies/{movie_id}/rating") | {"rating": stars})
    assert response.status_code == 303


async def test_a_members_lists_follow_the_model(model_site):
    # given a member who rated the movies a comedy lover would
    await join(model_site, "ann@example.org")
    for movie_id, stars in ((1, "5"), (4, "5"), (2, "1"), (3, "1"), (6, "3")):
        await rate(model_site, movie_id, stars)
    # when they open the home page and the list
    home = (await model_site.get("/")).text
    movies = (await model_site.get("/movies")).text
    # then "for you" holds what they have not rated, and the list says it is ordered for them
    assert "For you, Ann" in home and titles(home) == ["Alien"]
    assert "Ordered for you" in movies and sorted(titles(movies)) == sorted(m.title for m in CATALOG)
    assert "model trained on 360 ratings" in (await model_site.get("/status")).text


async def test_the_model_explains_and_finds_similar_titles(model_site):
    await join(model_site, "ann@example.org")
    await rate(model_site, 3, "5")
    page = (await model_site.get("/movies/2")).text  # Heat, liked by the same people as The Godfather
    assert "Similar titles" in page and "The Godfather" in page.split("Similar titles", 1)[1]


async def test_while_the_model_retrains_the_status_line_keeps_polling(site, web_services):
    marker = web_services.settings.model_dir / "TRAINING"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"done": 3, "total": 40}))
    busy = (await site.get("/status", headers={"HX-Request": "true"})).text
    assert "Retraining the recommender… step 3 of 40" in busy
    assert 'hx-get="/status" hx-trigger="every 2s"' in busy
    marker.unlink()
    done = (await site.get("/status", headers={"HX-Request": "true"})).text
    assert "Retraining" not in done and "hx-trigger" not in done
