"""One small handler per command: load the stream, decide, append with the expected version.

``CommandHandlers.handle`` returns the position of the last event appended (when the command changed
nothing, of the last event it decided on), which the web layer waits for before it renders
(read-your-writes). Personal data is sealed with the member's key (commands/keyring.py) before it
is decided on, so it never enters the log in clear.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Protocol

from commands import messages as m
from commands.keyring import Keyring
from commands.store import EventStore
from domain import accounts, api_tokens
from domain.accounts import Account, Stamp
from domain.errors import N_, ConcurrencyError, EmailTaken, InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# A claim on an address whose sign-up never got its event in (the process died between the two)
# is given up after this long, so the address can sign up again.
ABANDONED_CLAIM = timedelta(minutes=10)
MAX_FOLDED = 10_000  # accounts whose folded state a process keeps (least recently used out first)


class Catalog(Protocol):
    """What commands need to know about titles: whether they exist."""

    async def has_movie(self, movie_id: int) -> bool: ...

    async def has_show(self, show_id: int) -> bool: ...

    async def has_episode(self, show_id: int, season: int, episode: int) -> bool: ...

    async def existing(self, kind: str, ids: list[int]) -> frozenset[int]:
        """Which of these movie (or show) ids exist: one read for many."""


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(N_("Your password must be at least %(length)s characters long."), length=MIN_PASSWORD_LENGTH)
    return password


class CommandHandlers:
    def __init__(self, store: EventStore, catalog: Catalog, keyring: Keyring,
                 hash_password: Callable[[str], Awaitable[str]],
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store, self.catalog, self.keyring, self.hash_password, self.clock = (
            store, catalog, keyring, hash_password, clock)
        self._handlers: dict[type, Callable] = {
            m.SignUp: self._sign_up, m.VerifyEmail: self._verify_email, m.ResetPassword: self._reset_password,
            m.ChangePassword: self._change_password, m.ChangeEmail: self._change_email,
            m.EndSessions: self._end_sessions, m.DeleteAccount: self._delete_account,
            m.ChangeEmailPreferences: self._change_email_preferences, m.ChooseLanguage: self._choose_language,
            m.RateMovie: self._rate_movie, m.RemoveMovieRating: self._remove_movie_rating,
            m.MarkNotSeen: self._mark_not_seen, m.MarkNotInterested: self._mark_not_interested,
            m.ImportRatings: self._import_ratings, m.RateShow: self._rate_show, m.RateEpisode: self._rate_episode,
            m.RemoveShowRating: self._remove_show_rating, m.RemoveEpisodeRating: self._remove_episode_rating,
            m.MarkShowNotSeen: self._mark_show_not_seen, m.MarkShowNotInterested: self._mark_show_not_interested,
            m.SetOperatorRole: self._set_operator_role,
            m.CreateApiToken: self._create_api_token, m.RevokeApiToken: self._revoke_api_token}
        self._folded: dict[str, Folded] = {}

    async def handle(self, command: m.Command) -> int:
        return await self._handlers[type(command)](m.validated(command))

    # --- accounts ------------------------------------------------------------------------------

    async def _sign_up(self, c: m.SignUp) -> int:
        """Raises EmailTaken (with the owner's id) when the address has an account: the caller
        tells the owner by e-mail, and answers whoever typed it exactly as for a new address."""
        email, name = accounts.normalize_email(c.email), accounts.check_display_name(c.display_name)
        user_id = accounts.new_user_id(c.command_id, email)
        # Hashed first, whether or not the address is taken: both answers cost the same time.
        password_hash = await self.hash_password(check_password(c.password))
        await self._claim(user_id, email, c.command_id)
        personal = await self.keyring.seal(user_id, {"email": email, "display_name": name,
                                                     "password_hash": password_hash})
        return await self._run(c, user_id, lambda a, s: accounts.sign_up(a, s, personal))

    async def _claim(self, user_id: str, email: str, command_id: str) -> None:
        try:
            await self.keyring.claim(user_id, email, command_id)
        except EmailTaken:
            holder = await self.keyring.claimed_by(email)
            if holder is None or not await self._abandoned(*holder):
                raise
            await self.keyring.release(*holder[:2])
            await self.keyring.claim(user_id, email, command_id)

    async def _abandoned(self, user_id: str, command_id: str, claimed_at: datetime) -> bool:
        if claimed_at.tzinfo is None:
            claimed_at = claimed_at.replace(tzinfo=timezone.utc)
        return (self.clock() - claimed_at > ABANDONED_CLAIM
                and not await self.store.read_stream(accounts.stream_for(user_id)))

    async def _verify_email(self, c: m.VerifyEmail) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.verify_email(a, s, c.email_version))

    async def _reset_password(self, c: m.ResetPassword) -> int:
        sealed = await self._sealed_hash(c.user_id, c.password)
        return await self._run(c, c.user_id, lambda a, s: accounts.change_password(
            a, s, sealed, "reset", c.password_version))

    async def _change_password(self, c: m.ChangePassword) -> int:
        sealed = await self._sealed_hash(c.user_id, c.password)
        return await self._run(c, c.user_id, lambda a, s: accounts.change_password(a, s, sealed, "change", 0))

    async def _sealed_hash(self, user_id: str, password: str):
        return await self.keyring.seal(user_id, {"password_hash": await self.hash_password(check_password(password))})

    async def _change_email(self, c: m.ChangeEmail) -> int:
        email = accounts.normalize_email(c.new_email)
        account = await self._account(c.user_id)
        accounts.check_email_link(account, c.email_version)  # before the address moves, not just before the append
        await self.keyring.move(c.user_id, email)  # EmailTaken if another account has it meanwhile
        sealed = await self.keyring.seal(c.user_id, {"email": email})
        return await self._run(c, c.user_id, lambda a, s: accounts.change_email(a, s, sealed, c.email_version))

    async def _end_sessions(self, c: m.EndSessions) -> int:
        return await self._run(c, c.user_id, accounts.end_sessions)

    async def _delete_account(self, c: m.DeleteAccount) -> int:
        # The key goes first: should anything fail after it, the member's data is already unreadable
        # (never the other way round), and sending the command again completes the deletion.
        await self.keyring.shred(c.user_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.delete_account(a, s, c.keep_ratings))

    async def _change_email_preferences(self, c: m.ChangeEmailPreferences) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.change_email_preferences(a, s, c.weekly, c.shows))

    async def _choose_language(self, c: m.ChooseLanguage) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.choose_language(a, s, c.language))

    # --- ratings and lists ---------------------------------------------------------------------

    async def _rate_movie(self, c: m.RateMovie) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_movie(a, s, c.movie_id, c.rating, exists))

    async def _remove_movie_rating(self, c: m.RemoveMovieRating) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.remove_movie_rating(a, s, c.movie_id))

    async def _mark_not_seen(self, c: m.MarkNotSeen) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.set_not_seen(a, s, c.movie_id, c.marked, exists))

    async def _mark_not_interested(self, c: m.MarkNotInterested) -> int:
        exists = await self.catalog.has_movie(c.movie_id)
        return await self._run(
            c, c.user_id, lambda a, s: accounts.set_not_interested(a, s, c.movie_id, c.marked, exists))

    async def _import_ratings(self, c: m.ImportRatings) -> int:
        exist = {kind: await self.catalog.existing(kind, [i for k, i, _ in c.ratings if k == kind])
                 for kind in ("movie", "show")}
        return await self._run(c, c.user_id, lambda a, s: accounts.import_ratings(a, s, c.ratings, exist))

    async def _rate_show(self, c: m.RateShow) -> int:
        exists = await self.catalog.has_show(c.show_id)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_show(a, s, c.show_id, c.rating, exists))

    async def _rate_episode(self, c: m.RateEpisode) -> int:
        exists = await self.catalog.has_episode(c.show_id, c.season, c.episode)
        return await self._run(c, c.user_id, lambda a, s: accounts.rate_episode(
            a, s, c.show_id, c.season, c.episode, c.rating, exists))

    async def _remove_show_rating(self, c: m.RemoveShowRating) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.remove_show_rating(a, s, c.show_id))

    async def _remove_episode_rating(self, c: m.RemoveEpisodeRating) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.remove_episode_rating(
            a, s, c.show_id, c.season, c.episode))

    async def _mark_show_not_seen(self, c: m.MarkShowNotSeen) -> int:
        exists = await self.catalog.has_show(c.show_id)
        return await self._run(
            c, c.user_id, lambda a, s: accounts.set_show_not_seen(a, s, c.show_id, c.marked, exists))

    async def _mark_show_not_interested(self, c: m.MarkShowNotInterested) -> int:
        exists = await self.catalog.has_show(c.show_id)
        return await self._run(
            c, c.user_id, lambda a, s: accounts.set_show_not_interested(a, s, c.show_id, c.marked, exists))

    async def _set_operator_role(self, c: m.SetOperatorRole) -> int:
        return await self._run(c, c.user_id, lambda a, s: accounts.set_operator(a, s, c.operator))

    # --- personal API tokens -----------------------------------------------------------------------

    async def _create_api_token(self, c: m.CreateApiToken) -> int:
        personal = await self.keyring.seal(c.user_id, {"name": api_tokens.check_name(c.name)})
        return await self._run(c, c.user_id, lambda a, s: api_tokens.create_token(
            a, s, c.token_id, c.token_hash, c.scope, personal))

    async def _revoke_api_token(self, c: m.RevokeApiToken) -> int:
        return await self._run(c, c.user_id, lambda a, s: api_tokens.revoke_token(a, s, c.token_id))

    # --- the loop every handler shares -----------------------------------------------------------

    async def handled(self, user_id: str, command_id: str) -> bool:
        """Whether this member's command with this id has already been recorded."""
        return await self.store.positions_of(Stamp(accounts.stream_for(user_id), command_id, self.clock()).event_id(0)) \
            is not None

    async def _account(self, user_id: str) -> Account:
        return (await self._state(user_id)).account

    async def _state(self, user_id: str) -> "Folded":
        """The account as of its stream's last event: the state folded before, plus only the commits
        since (a member with a long history costs one small read, not their whole stream). Each
        caller gets its own copy; the cache is per process and only ever behind, never ahead."""
        known = self._folded.pop(user_id, None) or Folded(Account(user_id), 0, 0)
        new = await self.store.read_stream(accounts.stream_for(user_id), since_version=known.version)
        if new:
            account = known.account.copy()
            for recorded in new:
                account.apply(recorded.event)
            known = Folded(account, new[-1].version, new[-1].position)
        self._remember(user_id, known)
        return Folded(known.account.copy(), known.version, known.position)

    def _remember(self, user_id: str, folded: Folded) -> None:
        self._folded.pop(user_id, None)
        self._folded[user_id] = folded  # the most recently used last
        if len(self._folded) > MAX_FOLDED:
            self._folded.pop(next(iter(self._folded)))

    async def _run(self, command: m.Command, user_id: str, decide, attempts: int = 5) -> int:
        """Decide on fresh state and append; on a concurrent change, decide again on the newer state."""
        stream = accounts.stream_for(user_id)
        stamp = Stamp(stream, command.command_id, self.clock())
        for attempt in range(attempts):
            # The same command came before (a double-submitted form): its id is scoped to this
            # stream by the stamp, so it can only ever match this member's own earlier command.
            # Both reads at once: a command's latency is its round trips.
            done, state = await asyncio.gather(self.store.positions_of(stamp.event_id(0)), self._state(user_id))
            if done:
                return done[-1]
            events = decide(state.account, stamp)
            if not events:  # nothing to change: the state decided on is as of the stream's last event
                return state.position
            try:
                positions = await self.store.append(stream, state.version, events)
            except ConcurrencyError:
                if attempt == attempts - 1:
                    raise
                continue
            for event in events:  # what was just appended is known: the next command need not read it
                state.account.apply(event)
            self._remember(user_id, Folded(state.account, state.version + len(events), positions[-1]))
            return positions[-1]
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class Folded:
    """An account folded up to ``version`` of its stream, whose last event is at ``position``."""

    account: Account
    version: int
    position: int
