"""A request's verb and arguments, checked as OAI-PMH 2.0 (section 3.1) says,
and the protocol's errors (section 3.6).

Pure: the arguments arrive as (name, value) pairs, GET or POST alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Each verb's arguments: required, optional, and the exclusive one.
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
}

SECONDS = "%Y-%m-%dT%H:%M:%SZ"
DAY = "%Y-%m-%d"


class OaiError(Exception):
    """One of the protocol's error conditions: its code and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def echoes_arguments(self) -> bool:
        """After badVerb or badArgument the request element holds the base URL only."""
        return self.code not in ("badVerb", "badArgument")


@dataclass(frozen=True)
class OaiRequest:
    verb: str
    arguments: dict[str, str]


def parse_request(pairs: Iterable[tuple[str, str]]) -> OaiRequest:
    """The verb and its arguments; OaiError (badVerb, badArgument) when they break the rules."""
    seen: dict[str, list[str]] = {}
    for name, value in pairs:
        seen.setdefault(name, []).append(value)
    verbs = seen.pop("verb", [])
    if not verbs:
        raise OaiError("badVerb", "The request names no verb.")
    if len(verbs) > 1:
        raise OaiError("badVerb", "The verb is given more than once.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb.")
    required, optional, exclusive = VERBS[verb]
    repeated = sorted(name for name, values in seen.items() if len(values) > 1)
    if repeated:
        raise OaiError("badArgument", f"{', '.join(repeated)} given more than once.")
    arguments = {name: values[0] for name, values in seen.items()}
    allowed = required | optional | ({exclusive} if exclusive else set())
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise OaiError("badArgument", f"{verb} takes no argument {', '.join(unknown)}.")
    if exclusive and exclusive in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", f"{exclusive} must be the only argument besides verb.")
        return OaiRequest(verb, arguments)
    missing = sorted(required - set(arguments))
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}.")
    return OaiRequest(verb, arguments)


@dataclass(frozen=True)
class DateRange:
    """``from`` and ``until`` as moments: from inclusive, before exclusive."""

    start: datetime | None
    before: datetime | None


def date_range(arguments: dict[str, str]) -> DateRange:
    """The range a selective harvest asks for, at seconds or day granularity.

    ``until`` is inclusive: a day means up to the end of that day, a second
    up to the end of that second (the change events are stored finer).
    """
    start = until = None
    grains = set()
    if "from" in arguments:
        start, grain = _moment(arguments["from"], "from")
        grains.add(grain)
    if "until" in arguments:
        until, grain = _moment(arguments["until"], "until")
        grains.add(grain)
        try:
            until += timedelta(days=1) if grain == DAY else timedelta(seconds=1)
        except OverflowError:  # the very end of year 9999: no upper bound at all
            until = None
    if len(grains) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if start is not None and until is not None and start >= until:
        raise OaiError("badArgument", "from is later than until.")
    return DateRange(start, until)


def _moment(text: str, name: str) -> tuple[datetime, str]:
    for grain in (SECONDS, DAY):
        length = 20 if grain == SECONDS else 10
        if len(text) != length:
            continue
        try:
            return datetime.strptime(text, grain).replace(tzinfo=UTC), grain
        except ValueError:
            break
    raise OaiError(
        "badArgument",
        f"{name} must be a UTC date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not {text!r}.",
    )


def datestamp(moment: datetime) -> str:
    """A moment as the repository's datestamps are written (UTC, to the second)."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC datetimes
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(SECONDS)
