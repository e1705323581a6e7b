"""Connecting a realtime session: open, read, renew before the cap, reconnect when dropped.

Before ``expires_at`` (Azure: 30 minutes) the session opens a new connection (with a fresh Entra
token), replays the conversation as items and swaps it in; a dropped socket is handled the same
way. Sends wait while the connection is swapped. The caller only sees a
:class:`~.events.Reconnected` event.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Mapping
from typing import Any, Literal

from langchain_azure_audio.errors import (
    AzureAudioError,
    RateLimitError,
    ServiceConnectionError,
    ServiceUnavailableError,
    StreamInterruptedError,
)
from langchain_azure_audio.realtime._state import _SessionCore, logger
from langchain_azure_audio.realtime._transport import ConnectionLost, Transport
from langchain_azure_audio.realtime.events import Reconnected, ServiceError

__all__: list[str] = []

_RETRYABLE = (
    ConnectionLost,
    OSError,
    StreamInterruptedError,
    ServiceConnectionError,
    RateLimitError,
    ServiceUnavailableError,
)
"""What a reconnect attempt retries after; a refused key or deployment fails at once (typed)."""


class _ConnectionMixin(_SessionCore):
    """Opening, reading, renewing and replacing the connection."""

    async def _dispatch(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _open(self) -> tuple[Transport, dict[str, Any]]:
        transport = await self._connect()
        try:
            created = await transport.recv()
            while created.get("type") not in ("session.created", "error"):
                created = await transport.recv()
            if created.get("type") == "error":
                err = created.get("error") or {}
                raise StreamInterruptedError(
                    f"The realtime session was refused: {err.get('message')} ({err.get('code')})"
                )
            self._set_expiry(created.get("session") or {})
            await transport.send({"type": "session.update", "session": self._opts.session_config})
        except BaseException:
            await transport.close()
            raise
        return transport, created

    def _set_expiry(self, session: Mapping[str, Any]) -> None:
        now = self._opts.clock()
        self._connected_at = now
        cap = float(self._opts.max_session_seconds)
        expires = session.get("expires_at")
        lifetime = float(expires) - now if isinstance(expires, int | float) else None
        # The service's expires_at is its own clock; a local clock that disagrees with it (skew,
        # or a recorded session replayed later) must not make a fresh session look expired or
        # eternal: then the cap counts from now.
        self._expires_at = now + (lifetime if lifetime and 0 < lifetime <= 2 * cap else cap)

    def _renew_at(self) -> float | None:
        if self._expires_at is None:
            return None
        lifetime = max(self._expires_at - self._connected_at, 0.0)
        margin = min(self._opts.renew_before_seconds, lifetime / 4)
        return self._expires_at - margin

    async def _reconnect(
        self, reason: Literal["renewal", "dropped"], dead: Transport | None = None
    ) -> None:
        """Open a new connection, replay the conversation, swap it in (sends wait meanwhile)."""
        async with self._swap_lock:
            if reason == "dropped" and dead is not self._transport:
                return  # a renewal already replaced the dead connection
            self._sends_open.clear()
            async with self._send_lock:
                pass  # let a send already on its way finish (and join the history)
            old = self._transport
            was_active = self._active_response is not None or self._create_in_flight
            try:
                if reason == "dropped":
                    self._abandon_response()
                last: BaseException | None = None
                for attempt in range(1, self._opts.max_reconnect_attempts + 1):
                    if self._closing:
                        return
                    try:
                        transport, _created = await self._open()
                    except _RETRYABLE as exc:
                        last = exc
                        logger.warning("realtime reconnect attempt %d failed: %r", attempt, exc)
                        await asyncio.sleep(self._opts.reconnect_delay * 2 ** (attempt - 1))
                        continue
                    items = self._replay_items()
                    try:
                        for item in items:
                            await transport.send({"type": "conversation.item.create", "item": item})
                        if self._uncommitted:
                            await transport.send(
                                {
                                    "type": "input_audio_buffer.append",
                                    "audio": base64.b64encode(bytes(self._uncommitted)).decode(),
                                }
                            )
                    except ConnectionLost as exc:
                        last = exc
                        await transport.close()
                        continue
                    self._transport = transport
                    self.reconnects += 1
                    if old is not None and reason == "renewal":
                        await old.close()
                    self._queue.put_nowait(
                        Reconnected(
                            reason=reason,
                            replayed_items=len(items),
                            attempt=attempt,
                            expires_at=self._expires_at,
                        )
                    )
                    break
                else:
                    raise self._reconnect_failed(reason, last)
            finally:
                self._sends_open.set()
        resume = reason == "dropped" and was_active and not self._pending_tools()
        if resume or self._want_response:
            await self.request_response()

    def _reconnect_failed(self, reason: str, last: BaseException | None) -> Exception:
        """The typed error once every reconnect attempt failed (names the URL, no secrets)."""
        url = self._opts.url or "the realtime endpoint"
        why = "was dropped" if reason == "dropped" else "had to be renewed before its cap"
        message = (
            f"The realtime connection to {url} {why} and could not be re-established after "
            f"{self._opts.max_reconnect_attempts} attempt(s)"
            + (f": {type(last).__name__}: {last}" if last is not None else ".")
        )
        new: Exception
        if isinstance(last, ServiceConnectionError):
            new = type(last)(message, request=last.request, url=last.url)
        else:
            new = StreamInterruptedError(message)
        new.__cause__ = last
        return new

    def _abandon_response(self) -> None:
        """A dropped socket ends the active response: its calls still get answered."""
        rid = self._active_response
        self._active_response = None
        self._create_in_flight = False
        if rid is not None:
            self._response_text.pop(rid, None)
            self._response_final.pop(rid, None)
            done = self._response_done_events.get(rid)
            if done is not None:
                done.set()
            self._finish_run(rid, None, "dropped")
        for item in self._audio.values():
            item.done = True
        self._update_idle()

    # -- background tasks --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while not self._closing:
                transport = self._transport
                if transport is None:
                    raise StreamInterruptedError("The realtime session has no connection.")
                try:
                    data = await transport.recv()
                except ConnectionLost:
                    if self._closing:
                        break
                    if transport is not self._transport:
                        continue  # renewal swapped the connection under us
                    logger.info("realtime connection dropped; reconnecting")
                    await self._reconnect("dropped", transport)
                    continue
                if transport is not self._transport:
                    continue  # a late event of a replaced connection
                await self._dispatch(data)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            logger.error("realtime session failed: %r", exc)
            self._failure = exc
            if not self._closing:
                self._closing = True
                if self._transport is not None:
                    await self._transport.close()
                self._queue.put_nowait(None)
                self._closed.set()

    async def _watchdog(self) -> None:
        """Renew the session before it expires, at a quiet moment when there is one."""
        while not self._closing:
            due = self._renew_at()
            if due is None:
                await asyncio.sleep(1.0)
                continue
            wait = due - self._opts.clock()
            if wait > 0:
                # Poll the (injectable) clock instead of trusting one long sleep.
                lifetime = max((self._expires_at or due) - self._connected_at, 0.0)
                step = min(wait, max(lifetime / 20, 0.01), self._opts.renew_poll_seconds)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._renew_requested.wait(), step)
                if not self._renew_requested.is_set():
                    continue
            self._renew_requested.clear()
            # Prefer a quiet moment; never later than the expiry itself.
            hard = (self._expires_at or due) - self._opts.clock()
            quiet_wait = max(min(hard - 0.5, hard * 0.5), 0.0)
            if not self._user_speaking:
                await self.wait_idle(quiet_wait)
            if self._closing:
                return
            logger.info("renewing the realtime session before it expires")
            try:
                await self._reconnect("renewal")
            except AzureAudioError as exc:  # typed: connection, refusal or a lost stream
                self._failure = exc
                self._queue.put_nowait(ServiceError(message=str(exc), code="renewal_failed"))
                return  # the session has failed; retrying in a loop would only spin
