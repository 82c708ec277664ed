"""LIDO profiles: which element identifies a record, and what the export leaves unsaid.

A LIDO profile is a small TOML file (documented in docs/lido-format.md):

- ``identifier``: the element whose text identifies a record (``lidoRecID``,
  ``recordID``, ``workID`` or ``objectPublishedID``), each optionally
  restricted to a ``lido:type`` and a ``lido:source``, tried in order;
- ``[profile] language``: the language of text no ``xml:lang`` names;
- ``[profile] current_repository``: the ``repositorySet`` types that name the
  current repository;
- ``[constants]``: values every record gets where it has none of its own.

With no profile, the defaults below hold: they are what the importer always
did. Every mistake in a profile is a :class:`UsageError` naming the file and
the key, as for CSV profiles. Pure: no web framework, no database.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glampub.errors import UsageError
from importers.base import Profile

#: The elements that can identify a record, as ``--identifier`` names them.
IDENTIFIER_ELEMENTS = ("lidoRecID", "recordID", "workID", "objectPublishedID")
#: Fields a ``[constants]`` table may fill: single texts, and raw rights statements.
CONSTANT_TEXTS = ("credit_line", "rights_holder")
CONSTANT_STATEMENTS = ("rights", "rights_work", "record_rights")
_PROFILE_KEYS = {"name", "description", "language", "current_repository"}
_TOP_KEYS = {"profile", "identifier", "constants"}
_IDENTIFIER_KEYS = {"element", "type", "source"}
_LANGUAGE = re.compile(r"none|[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class IdentifierRule:
    """One element that may identify a record, optionally only of one type or source."""

    element: str
    type: str | None = None
    source: str | None = None

    def describe(self) -> str:
        """``recordID``, or ``recordID (type "local")`` when restricted."""
        limits = [
            f'{key} "{value}"'
            for key, value in (("type", self.type), ("source", self.source))
            if value
        ]
        return f"{self.element} ({', '.join(limits)})" if limits else self.element


@dataclass(frozen=True)
class LidoProfileConfig:
    """A checked LIDO profile. ``identifier`` empty: the built-in order."""

    name: str = "default"
    identifier: tuple[IdentifierRule, ...] = ()
    #: Language of untagged text when the file's root names none; None: "none".
    language: str | None = None
    #: Case-folded repositorySet types that are the current repository; None: the default.
    current_repository: frozenset[str] | None = None
    constants: tuple[tuple[str, str], ...] = ()

    def current_repository_test(self) -> Callable[[str | None], bool] | None:
        """Whether a repositorySet of a ``lido:type`` is the current repository,
        by the profile; None: the importer's built-in test."""
        kinds = self.current_repository
        if kinds is None:
            return None
        return lambda kind: (kind or "").strip().casefold() in kinds


DEFAULT_CONFIG = LidoProfileConfig()


def is_lido_profile(text: str) -> bool:
    """Whether TOML text is meant as a LIDO profile rather than a CSV one.

    A LIDO profile has keys no CSV profile has: ``identifier``, ``[constants]``
    or ``profile.current_repository``. Text that is not TOML is not one.
    """
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    head = settings.get("profile")
    return bool(
        {"identifier", "constants"} & set(settings)
        or (isinstance(head, dict) and "current_repository" in head)
    )


def load_lido_profile(path: str | Path) -> Profile:
    """Read and check a LIDO profile file (``--profile FILE.toml``)."""
    path = Path(path)
    if not path.is_file():
        # Shipped profiles are CSV ones: a LIDO profile is always a file of its own.
        raise UsageError(
            f"{path}: no such LIDO profile file; a LIDO profile is a .toml file "
            "(see docs/lido-format.md)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the profile: {exc}") from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    head = settings.get("profile")
    name = head.get("name") if isinstance(head, dict) else None
    profile = Profile(name=str(name or path.stem), settings=settings, path=path)
    parse_lido_profile(profile, str(path))  # a bad profile fails before any reading
    return profile


def with_identifier(profile: Profile | None, element: str) -> Profile:
    """``profile`` (or none) with its identifier replaced by one element, as
    ``--identifier`` asks; the element's text, as it is, identifies each record."""
    if element not in IDENTIFIER_ELEMENTS:
        raise UsageError(
            f"--identifier {element!r}: choose one of {', '.join(IDENTIFIER_ELEMENTS)}"
        )
    settings = dict(profile.settings) if profile is not None else {}
    settings["identifier"] = element
    name = profile.name if profile is not None else "default"
    return Profile(name=name, settings=settings, path=profile.path if profile else None)


def parse_lido_profile(profile: Profile | None, origin: str | None = None) -> LidoProfileConfig:
    """The checked settings of a LIDO profile; the defaults for none."""
    if profile is None or not profile.settings:
        return DEFAULT_CONFIG
    where = origin or (str(profile.path) if profile.path else f"profile {profile.name!r}")
    settings = profile.settings
    _check_keys(settings, _TOP_KEYS, where, "")
    head = _table(settings.get("profile", {}), where, "profile")
    _check_keys(head, _PROFILE_KEYS, where, "profile.")
    language = None
    if "language" in head:
        language = _string(head["language"], where, "profile.language")
        if not _LANGUAGE.fullmatch(language):
            raise UsageError(f"{where}: profile.language {language!r} is not a language tag")
    current = None
    if "current_repository" in head:
        kinds = head["current_repository"]
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise UsageError(f"{where}: profile.current_repository must be a list of types")
        current = frozenset(kind.strip().casefold() for kind in kinds)
    return LidoProfileConfig(
        name=profile.name,
        identifier=_identifier(settings.get("identifier"), where),
        language=language,
        current_repository=current,
        constants=_constants(settings.get("constants", {}), where),
    )


def _identifier(raw: Any, where: str) -> tuple[IdentifierRule, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise UsageError(f"{where}: identifier names no element")
    rules = []
    for number, item in enumerate(items, 1):
        key = f"identifier[{number}]" if isinstance(raw, list) else "identifier"
        if isinstance(item, str):
            item = {"element": item}
        table = _table(item, where, key)
        _check_keys(table, _IDENTIFIER_KEYS, where, key + ".")
        element = _string(table.get("element"), where, key + ".element")
        if element not in IDENTIFIER_ELEMENTS:
            raise UsageError(
                f"{where}: {key}.element {element!r} is not one of {', '.join(IDENTIFIER_ELEMENTS)}"
            )
        limits = {
            name: _string(table[name], where, f"{key}.{name}").strip()
            for name in ("type", "source")
            if name in table
        }
        rules.append(IdentifierRule(element, limits.get("type"), limits.get("source")))
    return tuple(rules)


def _constants(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    table = _table(raw, where, "constants")
    _check_keys(table, set(CONSTANT_TEXTS + CONSTANT_STATEMENTS), where, "constants.")
    return tuple((key, _string(value, where, f"constants.{key}")) for key, value in table.items())


def _check_keys(table: dict[str, Any], allowed: set[str], where: str, prefix: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise UsageError(f"{where}: unknown key {prefix}{unknown[0]} (known: {known})")


def _table(raw: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: {key} must be a table")
    return raw


def _string(raw: Any, where: str, key: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise UsageError(f"{where}: {key} must be a non-empty string")
    return raw
