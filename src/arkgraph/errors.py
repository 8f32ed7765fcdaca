"""The exception tree. Each error knows its exit code, as click's do.

* ArkgraphError (exit 1)
  + ArkError            an ARK string that cannot be parsed
  + InputError (exit 2) unreadable input, named by file
  + OutputError (exit 2) an output that cannot be written (disk full, no permission)
  + MappingTableError   a bad crosswalk table, named by path and line
  + RecordError         one record cannot be converted; it goes to rejects
"""

from __future__ import annotations


class ArkgraphError(Exception):
    exit_code: int = 1


class ArkError(ArkgraphError, ValueError):
    pass


class InputError(ArkgraphError):
    exit_code = 2


class OutputError(ArkgraphError):
    exit_code = 2


class UsageError(ArkgraphError):
    exit_code = 2


class MappingTableError(ArkgraphError):
    exit_code = 2

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


class RecordError(ArkgraphError):
    """A record that cannot be converted. Carries what a rejects line needs."""

    def __init__(self, reason: str, *, record_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.record_id = record_id
