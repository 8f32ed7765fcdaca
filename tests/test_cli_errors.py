"""Every command reports arkgraph's errors the same way: one line on stderr, the error's exit code, no traceback."""

from __future__ import annotations

import errno

import click
import pytest
from click.testing import CliRunner

from arkgraph.cli.errors import reported
from arkgraph.errors import ArkgraphError, InputError, UsageError
from arkgraph.redact import Redactor


def invoke(error: BaseException, **adapter):
    """A one-line command that raises ``error`` under the adapter."""

    @click.command()
    def command() -> None:
        with reported(**adapter):
            raise error

    return CliRunner().invoke(command, [])


def run(error: BaseException, **adapter) -> tuple[int, str]:
    """Its exit code and stderr."""
    result = invoke(error, **adapter)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(("error", "code"), [(ArkgraphError("the store failed"), 1),
                                             (InputError("in.nq: not readable"), 2),
                                             (UsageError("--format must be nq"), 2)])
def test_an_arkgraph_error_is_one_line_with_its_own_exit_code(error: ArkgraphError, code: int) -> None:
    assert run(error) == (code, f"Error: {error}\n")


def test_a_failed_write_names_the_file_it_was_about_or_else_the_output() -> None:
    assert run(OSError(errno.ENOSPC, "No space left on device", "rejects.jsonl"), output="out.nq") == \
        (2, "Error: cannot write rejects.jsonl: No space left on device\n")
    assert run(OSError(errno.ENOSPC, "No space left on device"), output="out.nq") == \
        (2, "Error: cannot write out.nq: No space left on device\n")


def test_an_os_error_where_no_output_was_named_is_a_bug_and_keeps_its_traceback() -> None:
    result = invoke(OSError(errno.EIO, "Input/output error"))
    assert isinstance(result.exception, OSError) and "Error:" not in result.stderr


def test_known_secrets_never_reach_the_message() -> None:
    code, stderr = run(ArkgraphError("401 for token s3cr3t"), redact=Redactor(["s3cr3t"]))
    assert (code, stderr) == (1, "Error: 401 for token [REDACTED]\n")
