"""A mail worth opening, end to end on the real parts: the e-mail choices on /me, the one-click
unsubscribe a mail client posts, the "not interested" and "seen it" links of each pick, and what
the second e-mail picks and says about the first. (Attacks on the links: tests/security/test_mail_links.py.)"""
from __future__ import annotations

import re

from domain import events as e
from tests.integration.mail_harness import (SHOWS, events_of, links_in, mail_picks, mail_site, rate,  # noqa: F401
                                            rate_show, text_of, unsubscribe_path, user_of)
from tests.integration.web_harness import csrf_token, form, join, web_services  # noqa: F401
from web.deps import EVERYTHING
from workers import mail, outbox

ANN = "ann@example.org"
WEEK, NEXT_WEEK = "2026-W49", "2026-W50"


def ticked(html: str) -> dict[str, bool]:
    fields = form(html, "/me/email-preferences")
    return {"weekly": fields.get("weekly") == "true", "shows": fields.get("shows") == "true"}


async def test_every_member_starts_with_both_choices_on_and_turns_one_off_without_javascript(mail_site, web_services):
    # Given a new member
    await join(mail_site, ANN)
    page = await mail_site.get("/me")
    assert ticked(page.text) == {"weekly": True, "shows": True}
    # when she unticks "the weekly picks e-mail" and saves (a plain form post)
    fields = {k: v for k, v in form(page.text, "/me/email-preferences").items() if k != "weekly"}
    saved = await mail_site.post("/me/email-preferences", data=fields)
    # then she is back on /me with it off, and the log holds one change
    assert saved.status_code == 303 and saved.headers["location"] == "/me?saved=email#email-preferences"
    page = await mail_site.get("/me?saved=email")
    assert ticked(page.text) == {"weekly": False, "shows": True} and "Your e-mail choices are saved" in page.text
    [change] = await events_of(web_services, ANN, e.EmailPreferencesChanged)
    assert (change.weekly, change.shows) == (False, True)
    # and saving the same choices again records nothing
    fields = {k: v for k, v in form(page.text, "/me/email-preferences").items() if k != "weekly"}
    assert (await mail_site.post("/me/email-preferences", data=fields)).status_code == 303
    assert len(await events_of(web_services, ANN, e.EmailPreferencesChanged)) == 1


async def test_with_htmx_the_choices_answer_with_their_own_section(mail_site, web_services):
    await join(mail_site, ANN)
    page = await mail_site.get("/me")
    fields = {k: v for k, v in form(page.text, "/me/email-preferences").items() if k != "shows"}
    response = await mail_site.post("/me/email-preferences", data=fields,
                                    headers={"HX-Request": "true", "X-CSRFToken": csrf_token(page.text)})
    assert response.status_code == 200 and response.text.lstrip().startswith('<section id="email-preferences"')
    assert "<html" not in response.text and ticked(response.text) == {"weekly": True, "shows": False}


async def test_with_the_weekly_e_mail_off_only_the_welcome_goes_out(mail_site, web_services, smtp_inbox):
    await join(mail_site, ANN)
    page = await mail_site.get("/me")
    await mail_site.post("/me/email-preferences", data={k: v for k, v in form(page.text, "/me/email-preferences").items()
                                                        if k != "weekly"})
    user_id = await user_of(web_services, ANN)
    assert await mail.picks_email(web_services, user_id, WEEK, "<x@test>") == mail.Skip("weekly e-mails turned off")
    assert isinstance(await mail.picks_email(web_services, user_id, "welcome", "<y@test>"), mail.PicksEmail)
    assert await outbox.send(web_services, user_id, WEEK) == "skipped"
    assert not smtp_inbox.to(ANN, "for this week")


async def test_a_mail_clients_one_click_unsubscribe_turns_the_weekly_e_mail_off_once(mail_site, web_services,
                                                                                     smtp_inbox):
    # Given the welcome e-mail, with the RFC 8058 headers
    await join(mail_site, ANN)
    welcome = await mail_picks(web_services, smtp_inbox, ANN, "welcome")
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(welcome)
    assert path.startswith("/unsubscribe/")
    # when her mail client posts the one-click body, with no cookie, session or CSRF token at all
    mail_site.cookies.clear()
    for _ in range(2):  # and once more (a client retrying)
        response = await mail_site.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and "You are unsubscribed" in response.text
    # then the weekly e-mail is off, recorded once, and the next Monday sends her nothing
    [change] = await events_of(web_services, ANN, e.EmailPreferencesChanged)
    assert (change.weekly, change.shows) == (False, True)
    assert await outbox.send(web_services, await user_of(web_services, ANN), WEEK) == "skipped"


async def test_opening_the_unsubscribe_link_asks_first_and_its_button_unsubscribes(mail_site, web_services,
                                                                                   smtp_inbox):
    await join(mail_site, ANN)
    path = unsubscribe_path(await mail_picks(web_services, smtp_inbox, ANN, "welcome"))
    mail_site.cookies.clear()  # opened in a browser that is not logged in
    page = await mail_site.get(path)
    assert page.status_code == 200 and "Stop the weekly e-mail?" in page.text
    assert await events_of(web_services, ANN, e.EmailPreferencesChanged) == []  # opening changed nothing
    fields = form(page.text, path.replace("=", "%3D"))
    assert fields["List-Unsubscribe"] == "One-Click"
    done = await mail_site.post(path, data=fields)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert len(await events_of(web_services, ANN, e.EmailPreferencesChanged)) == 1


async def test_not_interested_from_the_e_mail_confirms_on_a_page_then_puts_the_movie_aside_once(
        mail_site, web_services, smtp_inbox):
    # Given a welcome e-mail with a "not interested" link on each movie
    await join(mail_site, ANN)
    welcome = await mail_picks(web_services, smtp_inbox, ANN, "welcome")
    first = re.search(r"^1\. (.+) \(\d{4}\)$", text_of(welcome), re.M).group(1)
    link = links_in(welcome, "/picks/not-interested")[0]
    # when she opens it (logged out: no log-in needed), the page names the movie and changes nothing
    mail_site.cookies.clear()
    page = await mail_site.get(link)
    assert page.status_code == 200 and first in page.text
    assert await events_of(web_services, ANN, e.MarkedNotInterested) == []
    # and pressing its button puts the movie aside, once, however often the form is sent again
    fields = form(page.text, "/picks/not-interested")
    for _ in range(3):
        done = await mail_site.post("/picks/not-interested", data=fields)
        assert done.status_code == 200 and f"we will not suggest {first} again" in done.text
    [marked] = await events_of(web_services, ANN, e.MarkedNotInterested)
    assert (await web_services.reads.movie(marked.movie_id)).title == first
    member = await web_services.reads.member(await user_of(web_services, ANN), at_least=EVERYTHING)
    assert member.not_interested == {marked.movie_id}


async def test_seen_it_leads_to_the_title_to_rate_it_logging_in_first_if_needed(mail_site, web_services, smtp_inbox):
    await join(mail_site, ANN)
    welcome = await mail_picks(web_services, smtp_inbox, ANN, "welcome")
    link = links_in(welcome, "/picks/seen")[0]
    movie_path = re.search(r"https?://[^/\s]+(/movies/\d+)\n", text_of(welcome)).group(1)
    logged_in = await mail_site.get(link)
    assert logged_in.status_code == 200 and f'href="{movie_path}"' in logged_in.text
    mail_site.cookies.clear()
    visitor = await mail_site.get(link)
    assert "you will be asked to log in first" in visitor.text and "/login?next=" in visitor.text


async def test_the_second_e_mail_picks_anew_adds_shows_and_says_how_the_first_did(mail_site, web_services, smtp_inbox):
    # Given a welcome e-mail of five movies
    await join(mail_site, ANN)
    welcome = await mail_picks(web_services, smtp_inbox, ANN, "welcome")
    [sent] = [r.event for r in await web_services.store.read_stream(f"mailing-{await user_of(web_services, ANN)}-welcome")
              if isinstance(r.event, e.PicksEmailed)]
    assert len(sent.movie_ids) == 5 and sent.show_ids == ()  # she had rated no show yet
    # when she rates two of them (4 and 4.5 stars) and a show
    await rate(web_services, ANN, sent.movie_ids[0], 4.0)
    await rate(web_services, ANN, sent.movie_ids[1], 4.5)
    await rate_show(web_services, ANN, 903747, 5.0)
    # then the next week's e-mail leaves out every title of the first, says how they did, and has two shows
    weekly = await mail_picks(web_services, smtp_inbox, ANN, WEEK)
    text = text_of(weekly)
    assert "You rated 2 of your welcome e-mail's 5 picks, average 4.2 ★." in text
    listed = re.findall(r"^\d\. (.+?) \(\d{4}\)", text, re.M)
    assert len(listed) == 5 and not set(listed) & set(re.findall(r"^\d\. (.+?) \(\d{4}\)", text_of(welcome), re.M))
    shows = [title for title in listed if title in SHOWS.values()]
    assert len(shows) == 2 and "Breaking Bad" not in shows and text.count(", a TV show") == 2
    assert "/shows/" in text and weekly["Subject"] == "Your 5 picks for this week"
    [recorded] = [r.event for r in await web_services.store.read_stream(f"mailing-{await user_of(web_services, ANN)}-{WEEK}")
                  if isinstance(r.event, e.PicksEmailed)]
    assert len(recorded.movie_ids) == 3 and len(recorded.show_ids) == 2
    # and the week after, nothing of either e-mail comes back, and the line is about last week's
    third = text_of(await mail_picks(web_services, smtp_inbox, ANN, NEXT_WEEK, count=2))
    assert "of last week's 5 picks yet" in third
    again = set(re.findall(r"^\d\. (.+?) \(\d{4}\)", third, re.M))
    assert not again & set(listed)


async def test_a_member_who_turned_shows_off_gets_movies_only(mail_site, web_services, smtp_inbox):
    await join(mail_site, ANN)
    await rate_show(web_services, ANN, 903747, 5.0)
    page = await mail_site.get("/me")
    await mail_site.post("/me/email-preferences", data={k: v for k, v in form(page.text, "/me/email-preferences").items()
                                                        if k != "shows"})
    weekly = await mail_picks(web_services, smtp_inbox, ANN, WEEK)
    assert ", a TV show" not in text_of(weekly) and weekly["Subject"] == "Your 5 movies for this week"


async def test_not_interested_from_the_e_mail_puts_a_show_aside_too(mail_site, web_services, smtp_inbox):
    # Given a member who rates shows, and a weekly e-mail with two shows in it
    await join(mail_site, ANN)
    await rate_show(web_services, ANN, 903747, 5.0)
    weekly = await mail_picks(web_services, smtp_inbox, ANN, WEEK)
    user_id = await user_of(web_services, ANN)
    [sent] = [r.event for r in await web_services.store.read_stream(f"mailing-{user_id}-{WEEK}")
              if isinstance(r.event, e.PicksEmailed)]
    assert len(sent.show_ids) == 2
    # every pick has its "not interested" link, the shows' included; a show's puts that show aside
    links = links_in(weekly, "/picks/not-interested")
    assert len(links) == 5
    show_link = links[-1]  # movies first, then shows
    page = await mail_site.get(show_link)
    assert page.status_code == 200
    await mail_site.post("/picks/not-interested", data=form(page.text, "/picks/not-interested"))
    [marked] = await events_of(web_services, ANN, e.ShowMarkedNotInterested)
    assert marked.show_id == sent.show_ids[-1]
    assert await events_of(web_services, ANN, e.MarkedNotInterested) == []
