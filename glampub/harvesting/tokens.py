"""Resumption tokens: where a list stopped, carried by the harvester.

A token holds the list's arguments and the id of the last change event the
previous page ended on: the next page starts after that event (key-set, never
an offset), so records published or updated while an import runs are not
skipped and nothing shifts under the harvester. It expires after a stated
time; an altered, foreign or expired token is ``badResumptionToken``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from glampub.harvesting.arguments import OaiError

_VERSION = 1
_LARGEST = 2**63 - 1


@dataclass(frozen=True)
class ListState:
    """Where a list is: its arguments, the last event id sent, how many were sent."""

    verb: str
    prefix: str
    set_spec: str | None
    start: str | None
    before: str | None
    after: int
    cursor: int
    total: int | None
    expires: int


def encode(state: ListState) -> str:
    text = json.dumps([_VERSION, *asdict(state).values()], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(token: str, verb: str, now: datetime) -> ListState:
    """The state a token carries; OaiError(badResumptionToken) for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise _bad("This resumption token was not issued by this repository.") from None
    if not _well_formed(values):
        raise _bad("This resumption token was not issued by this repository.")
    state = ListState(*values[1:])
    if state.verb != verb:
        raise _bad(f"This resumption token continues {state.verb}, not {verb}.")
    if state.expires < now.astimezone(UTC).timestamp():
        raise _bad("This resumption token has expired: start the list again.")
    return state


def expiry_text(state: ListState) -> str:
    moment = datetime.fromtimestamp(state.expires, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_TYPES = (str, str, (str, type(None)), (str, type(None)), (str, type(None)), int, int)


def _well_formed(values: object) -> bool:
    if not isinstance(values, list) or len(values) != 10 or values[0] != _VERSION:
        return False
    fields = values[1:]
    if not all(isinstance(value, kind) for value, kind in zip(fields, _TYPES, strict=False)):
        return False
    after, cursor, total, expires = fields[5], fields[6], fields[7], fields[8]
    numbers = [after, cursor, expires] + ([] if total is None else [total])
    # Whole numbers a query can bind (no bools, nothing past 64 bits).
    return all(type(number) is int and 0 <= number <= _LARGEST for number in numbers)


def _bad(message: str) -> OaiError:
    return OaiError("badResumptionToken", message)
