"""Regular expressions written by staff, matched in linear time.

Profile patterns and rights-rule patterns come from people (or from a profile
file they were sent), so they are untrusted input. Python's ``re`` backtracks:
``^(a+)+$`` against thirty letters and a "!" runs for a minute, holding the
interpreter lock, so every other thread of the process waits with it. RE2
never backtracks: its time grows with the pattern and the text, never
exponentially. The price is its dialect: no backreferences, no look-around,
and ``\\w``, ``\\d``, ``\\b`` are ASCII (``\\pL`` is any letter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Protocol

import re2


class Match(Protocol):
    def group(self, *groups: int | str) -> str: ...

    def groupdict(self) -> dict[str, str | None]: ...


class Pattern(Protocol):
    """What glampub uses of a compiled pattern (RE2's object has the ``re`` API)."""

    pattern: str
    groupindex: Mapping[str, int]

    def search(self, text: str) -> Match | None: ...

    def fullmatch(self, text: str) -> Match | None: ...

    def finditer(self, text: str) -> Iterator[Match]: ...

    def split(self, text: str) -> list[str]: ...


#: RE2's complaints about the backtracking features it leaves out on purpose.
_UNSUPPORTED = re.compile(r"invalid perl operator: \(\?<?[=!]|invalid escape sequence: \\[1-9]")
_UNSUPPORTED_HINT = (
    " (look-around and backreferences are not supported here: they need backtracking, "
    "which can take exponential time)"
)


class InvalidPattern(ValueError):
    """A pattern RE2 cannot compile; the message says why, for the person who wrote it."""


def compile_pattern(pattern: str, *, ignore_case: bool = False) -> Pattern:
    """Compile for RE2; :class:`InvalidPattern` quotes the pattern and says what is wrong."""
    options = re2.Options()
    options.case_sensitive = not ignore_case
    # RE2 would also print each error to standard error; ours carries it.
    options.log_errors = False
    try:
        compiled: Pattern = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        hint = _UNSUPPORTED_HINT if _UNSUPPORTED.search(str(reason)) else ""
        raise InvalidPattern(
            f"{pattern!r} is not a valid regular expression: {reason}{hint}"
        ) from None
    return compiled
