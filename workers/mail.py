"""The picks e-mail: what goes in it for one member and one occasion, rendered (sent by workers/outbox.py).

Every picks e-mail carries the one-click unsubscribe of RFC 8058 (``List-Unsubscribe`` and
``List-Unsubscribe-Post``; it turns the weekly e-mail off) and, on each pick, signed links to say
"seen it" or "not interested" without logging in (mybigmovie/mail_links.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mybigmovie import i18n, i18n_jinja
from mybigmovie.i18n import N_, gettext as _, ngettext

from commands.keyring import personal_data
from domain.accounts import Account, stream_for
from mybigmovie import email_picks, recommendations
from mybigmovie.bootstrap import Services
from mybigmovie.email_picks import Pick, Recipient
from mybigmovie.mail_links import NOT_INTERESTED, SEEN, MailLinks
from mybigmovie.mailer import compose
from mybigmovie.tokens import LinkTokens

PICKS_PER_EMAIL = 5
WELCOME = "welcome"
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
i18n_jinja.install(_templates)
_FRESH = 2**62  # a log position no kept copy of a member is as new as
_NUMBERS = {1: N_("one"), 2: N_("two"), 3: N_("three"), 4: N_("four"), 5: N_("five")}


@dataclass(frozen=True)
class PicksEmail:
    message: EmailMessage
    movie_ids: tuple[int, ...]
    show_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Skip:
    """Nothing to send, for good (recorded as such, never retried)."""

    reason: str


async def picks_email(services: Services, user_id: str, occasion: str, message_id: str) -> PicksEmail | Skip:
    """The e-mail of picks for ``occasion`` ("welcome" or an ISO week), or why there is none. The
    account's own stream decides whether to send (so an unsubscribe a moment ago is honoured);
    the profile adds show ratings and what earlier e-mails sent."""
    history = [r.event for r in await services.store.read_stream(stream_for(user_id))]
    account = Account.from_events(user_id, history)
    personal = await personal_data(services.keyring, user_id, history)
    if account.deleted or personal is None:
        return Skip("the account was deleted")
    if not account.verified:
        return Skip("the address is not confirmed")
    if occasion != WELCOME and not account.weekly_email:
        return Skip("weekly e-mails turned off")
    # Read fresh, never a kept copy: what the previous e-mail sent must be left out of this one.
    who = Recipient.of(account, await services.reads.member(user_id, at_least=_FRESH))
    with i18n.use(account.language):  # every word of it, the picks' reasons too, in the member's language
        picks = await email_picks.choose(services.reads, _recommender(services), who, PICKS_PER_EMAIL)
        if not picks:
            return Skip("nothing left to pick")
        settings = services.settings
        letter = Letter(personal["display_name"], occasion, picks,
                        email_picks.last_time(who.last, who.taste, occasion), email_picks.day_of(occasion))
        message = render(letter, MailLinks(LinkTokens(settings.secret_key), settings.site_url), user_id,
                         settings.mail_from, personal["email"], message_id)
    return PicksEmail(message, tuple(p.id for p in picks if p.kind == "movie"),
                      tuple(p.id for p in picks if p.kind == "show"))


@dataclass(frozen=True)
class Letter:
    """What one picks e-mail says, before its links are made."""

    name: str
    occasion: str
    picks: list[Pick]
    last_time: str | None = None
    day: date | None = None  # the day it is for (the week's Monday), shown at its top

    @property
    def subject(self) -> str:
        count, movies = len(self.picks), all(p.kind == "movie" for p in self.picks)
        if self.occasion == WELCOME:
            text = (ngettext("Welcome to MyBigMovie: %(count)s movie to start with",
                             "Welcome to MyBigMovie: %(count)s movies to start with", count) if movies else
                    ngettext("Welcome to MyBigMovie: %(count)s pick to start with",
                             "Welcome to MyBigMovie: %(count)s picks to start with", count))
        else:
            text = (ngettext("Your %(count)s movie for this week", "Your %(count)s movies for this week", count)
                    if movies else
                    ngettext("Your %(count)s pick for this week", "Your %(count)s picks for this week", count))
        return text % {"count": count}

    @property
    def intro(self) -> str:
        count = len(self.picks)
        number, shows = _(_NUMBERS[count]) if count in _NUMBERS else i18n.number(count), \
            any(p.kind == "show" for p in self.picks)
        if self.occasion == WELCOME:
            text = (ngettext("Welcome to MyBigMovie! Here is %(number)s title to start with.",
                             "Welcome to MyBigMovie! Here are %(number)s movies and shows to start with.", count)
                    if shows else
                    ngettext("Welcome to MyBigMovie! Here is %(number)s movie to start with.",
                             "Welcome to MyBigMovie! Here are %(number)s movies to start with.", count))
        else:
            text = (ngettext("Here is this week's %(number)s title, picked for you.",
                             "Here are this week's %(number)s movies and shows, picked for you.", count)
                    if shows else
                    ngettext("Here is this week's %(number)s movie, picked for you.",
                             "Here are this week's %(number)s movies, picked for you.", count))
        return text % {"number": number}


def render(letter: Letter, links: MailLinks, user_id: str, sender: str, to: str,
           message_id: str | None = None) -> EmailMessage:
    """The message, text and HTML (autoescaped), each pick with its links, and the unsubscribe headers."""
    entries = [{"pick": pick, "url": f"{links.site_url}{pick.path}",
                "seen": links.pick(SEEN, user_id, pick.kind, pick.id),
                "not_interested": links.pick(NOT_INTERESTED, user_id, pick.kind, pick.id)} for pick in letter.picks]
    unsubscribe = links.unsubscribe(user_id)
    context = {"letter": letter, "entries": entries, "site_url": links.site_url, "unsubscribe": unsubscribe,
               "preferences": f"{links.site_url}/me#email-preferences"}
    return compose(sender, to, letter.subject, _templates.get_template("picks.txt").render(context), links.site_url,
                   message_id=message_id, html=_templates.get_template("picks.html").render(context),
                   unsubscribe=unsubscribe)


_recommenders: dict = {}


def _recommender(services: Services) -> recommendations.Recommender:
    """One model holder per model directory for the life of the worker; it hot-swaps new models."""
    directory = services.settings.model_dir
    if directory not in _recommenders:
        _recommenders[directory] = recommendations.Recommender(directory)
    return _recommenders[directory]
