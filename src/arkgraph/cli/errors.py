"""The one place where arkgraph's errors become command-line errors: one line on stderr, the documented exit code.

The library raises :class:`arkgraph.errors.ArkgraphError` subclasses, each carrying its exit code
(1 failure, 2 usage, unreadable input or unwritable output). A command runs its library calls
under :func:`reported` and never writes ``try``/``except`` for them::

    with reported(output="out.nq"):
        convert(...)

prints ``Error: cannot write out.nq: No space left on device`` and exits 2, without a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from ..errors import ArkgraphError, OutputError
from ..redact import Redactor


def click_error(exc: ArkgraphError, redact: Redactor | None = None) -> click.ClickException:
    """``exc`` as click shows it: ``Error: <message>``, exit ``exc.exit_code``; known secrets masked."""
    err = click.ClickException(redact(str(exc)) if redact else str(exc))
    err.exit_code = exc.exit_code
    return err


@contextlib.contextmanager
def reported(*, redact: Redactor | None = None, output: str | None = None) -> Iterator[None]:
    """Errors out of the block end the command as one line (also usable as a decorator: ``@reported()``).

    ``output``: what the command writes, named when an ``OSError`` reaches here. The readers turn
    input errors into ``InputError``, so an ``OSError`` left over is a failed write: an ``OutputError``
    (exit 2) naming the file it was about, or else ``output``. Without ``output`` it is a bug, and
    keeps its traceback. A closed stdout (``| head``) is not an error: click exits quietly.
    """
    try:
        yield
    except ArkgraphError as exc:
        raise click_error(exc, redact) from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        if output is None:
            raise
        failed = OutputError(f"cannot write {exc.filename or output}: {exc.strerror or exc}")
        raise click_error(failed, redact) from None


def checked(check: Callable[[Any], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option callback: the value passes through ``check``, and its ArkgraphError is click's "Invalid value for '--opt'"."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            return check(value)
        except ArkgraphError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return callback
