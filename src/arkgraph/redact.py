"""Known secrets never leave the process: one ``Redactor``, applied wherever text or bytes go out.

The secrets are what arkgraph was given to authenticate: the Paris Musées token, a remote
store's ``--auth``/``--auth-env`` credential and the ``Authorization`` header values built from
them. A server may echo them back (in an error message, a GraphQL ``errors`` body, a URL):
messages for people, rejects lines and saved responses all pass through the redactor first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

MARK = "[REDACTED]"

# user-info in a URL (https://user:pass@host/) is a secret too, whoever gave it
_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/@\s]+@")


class Redactor:
    """Replaces every known secret by ``[REDACTED]``; cheap (a no-op) when it knows none."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: list[str] = []
        self._bytes: list[tuple[bytes, bytes]] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        # also the forms a server echoing it would use: JSON-escaped, percent-encoded
        for form in (secret, json.dumps(secret)[1:-1], quote(secret, safe="")):
            if form and form not in self._secrets:
                self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)  # a longer secret first: it may contain a shorter one
        self._bytes = [(s.encode("utf-8"), MARK.encode("ascii")) for s in self._secrets]

    def add_url(self, url: str | None) -> None:
        """A configured URL's query string is a secret too: keys hide there (user-info is always masked)."""
        query = urlsplit(url).query if url else ""
        if query:
            self.add(query)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        """Text for people (messages, logs, rejects): secrets and URL user-info masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MARK)
        return _USERINFO.sub(rf"\1{MARK}@", text) if "@" in text else text

    def bytes(self, data: bytes) -> bytes:
        """Saved bytes: as received, except the secrets' bytes."""
        for secret, mark in self._bytes:
            if secret in data:
                data = data.replace(secret, mark)
        return data


def redact_url(url: str) -> str:
    """A URL safe to print and to keep: user-info and query masked.

    Its ``***`` form is a store's label in its checkpoint key, so it stays as it is: resuming needs the same key.
    """
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = "***@" + netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))
