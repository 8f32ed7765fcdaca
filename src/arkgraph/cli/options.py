"""Options several commands share, so that they have one spelling, one help text and one default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def retry_options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """--max-retries, --backoff, --timeout for every command that talks to a server: one policy, one set of defaults."""
    # httpx and tenacity load only for the commands that need them
    from ..http import RetryPolicy

    return [
        click.option("--max-retries", type=click.IntRange(min=0), default=RetryPolicy.max_retries, show_default=True,
                     help="Retries per request on connection errors, timeouts, 429 and 5xx, then stop."),
        click.option("--backoff", type=click.FloatRange(min=0), default=RetryPolicy.backoff, show_default=True,
                     help="Seconds: retry n waits a random time up to BACKOFF × 2^n (a server's Retry-After wins)."),
        click.option("--timeout", type=click.FloatRange(min=0.001), default=RetryPolicy.timeout, show_default=True,
                     help="Seconds to wait between bytes of a response (at most 10 to connect)."),
    ]
