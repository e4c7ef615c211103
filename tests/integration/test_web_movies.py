"""Movies over HTTP: the list, a movie's page, and rating — without JavaScript (forms and
redirects) and with htmx (fragments) — against the real event store, projector and Redis."""
from __future__ import annotations

import json
import re

from domain.accounts import stream_for
from tests.integration.web_harness import (catalog, csrf_token, form, join, movie_site, titles,  # noqa: F401
                                           web_client, web_services)

BY_DAMPED_MEAN = ["The Godfather", "Alien", "Toy Story", "Heat", "Obscure Gem", "Clueless"]


async def events_of(services, email: str) -> list[str]:
    user_id = await services.keyring.owner(email)
    return [type(r.event).__name__ for r in await services.store.read_stream(stream_for(user_id))]


def htmx(html: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRFToken": csrf_token(html)}


async def test_visitors_see_the_best_loved_movies_first(movie_site):
    response = await movie_site.get("/movies")
    assert response.status_code == 200
    assert titles(response.text) == BY_DAMPED_MEAN  # three 5-star ratings do not beat 60,000 4.3s
    assert titles((await movie_site.get("/")).text) == BY_DAMPED_MEAN


async def test_the_list_filters_by_genre_and_decade(movie_site):
    assert titles((await movie_site.get("/movies?genre=Crime")).text) == ["The Godfather", "Heat"]
    assert titles((await movie_site.get("/movies?decade=1970")).text) == ["The Godfather", "Alien"]
    assert titles((await movie_site.get("/movies?genre=&decade=")).text) == BY_DAMPED_MEAN
    assert (await movie_site.get("/movies?decade=1975")).status_code == 400


async def test_htmx_gets_only_the_list_from_the_same_url(movie_site):
    response = await movie_site.get("/movies?genre=Crime", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="results"') and "<html" not in response.text
    assert titles(response.text) == ["The Godfather", "Heat"]
    boosted = await movie_site.get("/movies", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


async def test_rating_with_a_plain_form_records_it_and_shows_it_at_once(movie_site, web_services):
    # given a member on a movie's page
    await join(movie_site, "ann@example.org")
    page = await movie_site.get("/movies/3")
    # when they choose 4.5 stars and submit
    fields = form(page.text, "/movies/3/rating") | {"rating": "4.5"}
    response = await movie_site.post("/movies/3/rating", data=fields)
    # then they are sent back to the page, which (read-your-writes) already shows the rating
    assert response.status_code == 303 and response.headers["location"] == "/movies/3"
    assert "4.5 of 5 stars" in (await movie_site.get("/movies/3")).text
    me = await movie_site.get("/me")
    assert re.search(r"The Godfather</a>.*?4\.5", me.text, re.S)
    assert await events_of(web_services, "ann@example.org") == ["UserSignedUp", "EmailVerified", "MovieRated"]


async def test_rating_with_htmx_answers_with_the_widget_and_tells_the_lists(movie_site):
    await join(movie_site, "ann@example.org")
    page = await movie_site.get("/movies")
    fields = form(page.text, "/movies/5/rating") | {"rating": "3"}
    response = await movie_site.post("/movies/5/rating", data=fields, headers=htmx(page.text))
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]).keys() == {"rated"}
    assert response.text.lstrip().startswith('<div class="rate" id="rate-movie-5">')
    assert "3 of 5 stars" in response.text
    # the list the page then asks for shows it too
    refreshed = await movie_site.get("/movies", headers={"HX-Request": "true"})
    assert "3 of 5 stars" in refreshed.text


async def test_a_rating_shows_at_once_in_another_web_process_that_kept_the_member(movie_site, web_services,
                                                                                 mongo_url):
    await join(movie_site, "ann@example.org")
    async with web_client(web_services.settings, mongo_url, another_process_of=movie_site) as other:
        other.cookies.update(movie_site.cookies)  # the same browser, its next request served by another process
        assert "not rated" in (await other.get("/movies/5")).text  # which now keeps Ann in memory
        page = await movie_site.get("/movies/5")
        fields = form(page.text, "/movies/5/rating") | {"rating": "3"}
        assert (await movie_site.post("/movies/5/rating", data=fields, headers=htmx(page.text))).status_code == 200
        other.cookies.update(movie_site.cookies)
        assert "3 of 5 stars" in (await other.get("/movies/5")).text  # at once: no waiting for it to notice


async def test_a_form_submitted_twice_rates_once(movie_site, web_services):
    await join(movie_site, "ann@example.org")
    fields = form((await movie_site.get("/movies/1")).text, "/movies/1/rating") | {"rating": "5"}
    first = await movie_site.post("/movies/1/rating", data=fields)
    second = await movie_site.post("/movies/1/rating", data=fields)  # same command id
    assert first.status_code == second.status_code == 303
    assert await events_of(web_services, "ann@example.org") == ["UserSignedUp", "EmailVerified", "MovieRated"]


async def test_a_rating_out_of_range_is_refused_with_a_clear_message_and_nothing_written(movie_site, web_services):
    await join(movie_site, "ann@example.org")
    page = await movie_site.get("/movies/1")
    fields = form(page.text, "/movies/1/rating")
    # without JavaScript: the movie page again, with the message by the stars
    seven = await movie_site.post("/movies/1/rating", data=fields | {"rating": "7"})
    assert seven.status_code == 422 and "A rating is 0.5 to 5 stars in half steps, not 7." in seven.text
    words = await movie_site.post("/movies/1/rating", data=fields | {"rating": "lots"})
    assert words.status_code == 422 and "Choose a rating from 0.5 to 5 stars." in words.text
    # with htmx: the widget with the message, as a 422
    partial = await movie_site.post("/movies/1/rating", data=fields | {"rating": "3.3"}, headers=htmx(page.text))
    assert partial.status_code == 422 and "not 3.3" in partial.text and "<html" not in partial.text
    assert await events_of(web_services, "ann@example.org") == ["UserSignedUp", "EmailVerified"]


async def test_a_movie_id_that_is_not_a_number_or_not_listed_is_a_friendly_404(movie_site, web_services):
    await join(movie_site, "ann@example.org")
    fields = form((await movie_site.get("/movies/1")).text, "/movies/1/rating") | {"rating": "4"}
    for url in ("/movies/abc/rating", "/movies/999/rating"):
        response = await movie_site.post(url, data=fields)
        assert response.status_code == 404
        assert "Page not found" in response.text and "Traceback" not in response.text
    assert "There is no movie with id 999." in (await movie_site.get("/movies/999")).text
    assert await events_of(web_services, "ann@example.org") == ["UserSignedUp", "EmailVerified"]


async def test_visitors_who_try_to_rate_are_asked_to_log_in_first(movie_site):
    page = await movie_site.get("/movies/1")
    assert "to rate it" in page.text
    response = await movie_site.post("/movies/1/rating", data={"_csrf_token": csrf_token(page.text), "rating": "4"},
                                     headers={"Referer": "http://127.0.0.1/movies/1"})
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/movies/1"


async def test_not_interested_takes_a_movie_off_the_lists_until_undone(movie_site):
    await join(movie_site, "ann@example.org")
    fields = form((await movie_site.get("/movies/3")).text, "/movies/3/not-interested")
    assert (await movie_site.post("/movies/3/not-interested", data=fields)).status_code == 303
    assert "The Godfather" not in titles((await movie_site.get("/movies")).text)
    assert "Not interested" in (me := (await movie_site.get("/me")).text) and "The Godfather" in me
    undo = form((await movie_site.get("/movies/3")).text, "/movies/3/not-interested")
    assert undo["marked"] == "false"
    await movie_site.post("/movies/3/not-interested", data=undo)
    assert titles((await movie_site.get("/movies")).text) == BY_DAMPED_MEAN


async def test_a_new_member_is_asked_to_rate_movies_they_have_seen(movie_site):
    # given a new member who rated one movie and has not seen another
    await join(movie_site, "ann@example.org")
    await movie_site.post("/movies/3/rating", data=form((await movie_site.get("/movies/3")).text,
                                                        "/movies/3/rating") | {"rating": "5"})
    await movie_site.post("/movies/5/not-seen", data=form((await movie_site.get("/movies/5")).text,
                                                          "/movies/5/not-seen"))
    # when they open the home page
    home = await movie_site.get("/")
    # then it asks for ratings of the others, best-loved first
    assert "Rate 4 more movies" in home.text
    assert titles(home.text) == ["Toy Story", "Heat", "Obscure Gem", "Clueless"]


async def test_removing_a_rating(movie_site, web_services):
    await join(movie_site, "ann@example.org")
    await movie_site.post("/movies/2/rating", data=form((await movie_site.get("/movies/2")).text,
                                                        "/movies/2/rating") | {"rating": "2"})
    page = await movie_site.get("/movies/2")
    assert "2 of 5 stars" in page.text
    await movie_site.post("/movies/2/rating/delete", data=form(page.text, "/movies/2/rating/delete"))
    assert "not rated" in (await movie_site.get("/movies/2")).text
    assert await events_of(web_services, "ann@example.org") == ["UserSignedUp", "EmailVerified", "MovieRated",
                                                                "MovieRatingRemoved"]


async def test_a_movie_page_suggests_similar_titles_and_explains_with_the_members_ratings(movie_site):
    await join(movie_site, "ann@example.org")
    await movie_site.post("/movies/3/rating", data=form((await movie_site.get("/movies/3")).text,
                                                        "/movies/3/rating") | {"rating": "4.5"})
    page = (await movie_site.get("/movies/2")).text  # Heat: Action, Crime, Thriller
    similar = page.split("Similar titles", 1)[1]
    assert "The Godfather" in similar  # shares Crime
    assert re.search(r"Why it is in your list.*The Godfather", page, re.S)


async def test_an_htmx_request_from_a_visitor_is_redirected_to_log_in_by_htmx(movie_site):
    page = await movie_site.get("/movies?genre=Crime")
    response = await movie_site.post("/movies/3/rating", data={"rating": "4"}, headers={
        **htmx(page.text), "HX-Current-URL": "http://127.0.0.1/movies?genre=Crime"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/movies%3Fgenre%3DCrime"
