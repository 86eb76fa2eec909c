"""Retrying a step whose RPC dropped for a moment: one report per retry, doubling delays, then a
clear ``RpcUnavailable``. Used by the keeper and the watcher."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from web3.exceptions import TimeExhausted

from .errors import HarnessError

T = TypeVar("T")

# What a dropped RPC raises under web3: requests' connection errors and timeouts are OSErrors;
# a receipt that never comes is web3's TimeExhausted.
RPC_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeExhausted)


class RpcUnavailable(HarnessError):
    """The RPC did not answer for ``retries + 1`` attempts in a row."""


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def short_reason(exc: BaseException) -> str:
    """Why a node did not answer, in a few words."""
    text = str(exc)
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("NewConnectionError", "connection refused"),
        ("RemoteDisconnected", "connection closed"),
        ("Connection aborted", "connection closed"),
        ("Connection reset", "connection reset"),
        ("NameResolution", "unknown host"),
        ("Name or service not known", "unknown host"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return reason
    return one_line(exc)[:120]


def with_retries(
    step: Callable[[], T],
    retries: int = 5,
    backoff: float = 1.0,
    on_retry: Callable[[int, float, BaseException], object] | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """``step()``, retried after ``backoff``, 2·``backoff``, 4·``backoff``... seconds while it
    raises an RPC error; ``on_retry(attempt, delay, error)`` hears of each retry. After
    ``retries`` retries the last error becomes ``RpcUnavailable``."""
    attempt = 0
    while True:
        try:
            return step()
        except RPC_ERRORS as exc:
            attempt += 1
            if attempt > retries:
                raise RpcUnavailable(
                    f"the RPC did not answer for {retries + 1} attempts in a row ({short_reason(exc)}); giving up"
                ) from None
            delay = backoff * 2 ** (attempt - 1)
            if on_retry is not None:
                on_retry(attempt, delay, exc)
            sleep(delay)
