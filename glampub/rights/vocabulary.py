"""The rights vocabulary: Creative Commons licences, CC0, the Public Domain Mark
and the twelve RightsStatements.org statements, each as a :class:`RightsTerm`.

Canonical URIs are the ``http://`` forms with a trailing slash, because the
IIIF Presentation 3.0 schema accepts nothing else for ``rights``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from glampub.rights.decision import Reuse

Kind = Literal["cc", "cc0", "pdm", "rs"]

CC_BASE = "http://creativecommons.org/licenses/"
CC0_URI = "http://creativecommons.org/publicdomain/zero/1.0/"
PDM_URI = "http://creativecommons.org/publicdomain/mark/1.0/"
RS_BASE = "http://rightsstatements.org/vocab/"

# Restriction flags. One term is at least as restrictive as another when its
# flags include all of the other's; "permission" terms carry every flag.
ATTRIBUTION = "attribution"
SHARE_ALIKE = "share-alike"
NON_COMMERCIAL = "non-commercial"
NO_DERIVATIVES = "no-derivatives"
EDUCATIONAL_ONLY = "educational-only"
OTHER_LEGAL = "other-legal-restrictions"
PERMISSION = "permission"
ALL_FLAGS = frozenset(
    {
        ATTRIBUTION,
        SHARE_ALIKE,
        NON_COMMERCIAL,
        NO_DERIVATIVES,
        EDUCATIONAL_ONLY,
        OTHER_LEGAL,
        PERMISSION,
    }
)

REUSE_ORDER: dict[str, int] = {"free": 0, "conditions": 1, "permission": 2}


@dataclass(frozen=True, slots=True)
class RightsTerm:
    uri: str
    label: str
    reuse: Reuse
    #: True when attribution is a condition of the licence (the CC BY family).
    attribution_required: bool
    kind: Kind
    #: Short code: "BY-NC-SA", "CC0", "PDM", "InC-EDU" ...
    code: str
    version: str | None = None
    #: CC port jurisdiction ("nl", "de", "igo" ...), None for international ones.
    jurisdiction: str | None = None
    restrictions: frozenset[str] = frozenset()
    #: Tie-breaker among terms of one reuse class: higher is more restrictive.
    rank: int = 0

    @property
    def page_url(self) -> str:
        """The page a person reads: the CC deed or the RightsStatements.org page
        (https; the canonical ``uri`` stays ``http://`` for IIIF)."""
        if self.kind == "rs":
            return self.uri.replace(
                "http://rightsstatements.org/vocab/", "https://rightsstatements.org/page/"
            )
        return "https://" + self.uri.removeprefix("http://")


# --- Creative Commons licences -------------------------------------------------

#: Licence code in the URI path -> (restriction flags, rank within its reuse class).
_CC_LICENCES: dict[str, tuple[frozenset[str], int]] = {
    "by": (frozenset({ATTRIBUTION}), 2),
    "by-sa": (frozenset({ATTRIBUTION, SHARE_ALIKE}), 3),
    "by-nc": (frozenset({ATTRIBUTION, NON_COMMERCIAL}), 12),
    # No derivatives makes share-alike moot, so ND counts as including it.
    "by-nd": (frozenset({ATTRIBUTION, NO_DERIVATIVES, SHARE_ALIKE}), 13),
    "by-nc-sa": (frozenset({ATTRIBUTION, NON_COMMERCIAL, SHARE_ALIKE}), 14),
    "by-nc-nd": (frozenset({ATTRIBUTION, NON_COMMERCIAL, NO_DERIVATIVES, SHARE_ALIKE}), 15),
    # Version 1.0 only: the NC+ND licence was spelled by-nd-nc, and there were
    # licences without attribution.
    "by-nd-nc": (frozenset({ATTRIBUTION, NON_COMMERCIAL, NO_DERIVATIVES, SHARE_ALIKE}), 15),
    "sa": (frozenset({SHARE_ALIKE}), 1),
    "nc": (frozenset({NON_COMMERCIAL}), 10),
    "nd": (frozenset({NO_DERIVATIVES, SHARE_ALIKE}), 11),
    "nc-sa": (frozenset({NON_COMMERCIAL, SHARE_ALIKE}), 12),
    "nd-nc": (frozenset({NON_COMMERCIAL, NO_DERIVATIVES, SHARE_ALIKE}), 13),
}
_ONLY_IN_1_0 = {"by-nd-nc", "sa", "nc", "nd", "nc-sa", "nd-nc"}
CC_VERSIONS = ("1.0", "2.0", "2.1", "2.5", "3.0", "4.0")


#: Jurisdiction ports per version (4.0 has none), as far as we know them. Not
#: every licence exists in every port, and a port missing here is still accepted
#: when a URI names it: the institution copied it from somewhere real.
def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


CC_PORTS: dict[str, frozenset[str]] = {
    "1.0": _codes("fi il nl"),
    "2.0": _codes("at au be br ca cl de es fr hr it jp kr nl pl tw uk za"),
    "2.1": _codes("au ca es jp"),
    "2.5": _codes(
        "ar au bg br ca ch cn co dk es hr hu il in it mk mt mx my nl pe pl pt scotland se si tw za"
    ),
    "3.0": _codes(
        "am at au az br ca ch cl cn cr cz de ec ee eg es fr ge gr gt hk hr ie igo it lu nl no "
        "nz ph pl pr pt ro rs sg th tw ug us ve vn za"
    ),
    "4.0": frozenset(),
}

#: Set of restriction words (as in names) -> licence code, for names in any order.
CC_CODE_BY_ELEMENTS: dict[frozenset[str], str] = {
    frozenset({"by"}): "by",
    frozenset({"by", "sa"}): "by-sa",
    frozenset({"by", "nc"}): "by-nc",
    frozenset({"by", "nd"}): "by-nd",
    frozenset({"by", "nc", "sa"}): "by-nc-sa",
    frozenset({"by", "nc", "nd"}): "by-nc-nd",
}


_PORT_CODE = re.compile(r"[a-z]{2}|scotland|igo")


def cc_reuse(code: str) -> Reuse:
    flags = _CC_LICENCES[code][0]
    return "conditions" if flags & {NON_COMMERCIAL, NO_DERIVATIVES} else "free"


@cache
def cc_term(code: str, version: str, jurisdiction: str | None = None) -> RightsTerm | None:
    """The CC licence ``code`` (e.g. "by-nc-sa") in ``version``, or None if it never existed."""
    code = code.lower()
    if code == "by-nc-nd" and version == "1.0":
        code = "by-nd-nc"  # the 1.0 spelling of the same licence
    if code not in _CC_LICENCES or version not in CC_VERSIONS:
        return None
    if code in _ONLY_IN_1_0 and version != "1.0":
        return None
    if version == "2.1" and jurisdiction is None:
        return None  # 2.1 exists only as ports
    if jurisdiction is not None and (version == "4.0" or not _PORT_CODE.fullmatch(jurisdiction)):
        return None
    flags, rank = _CC_LICENCES[code]
    path = f"{code}/{version}/" + (f"{jurisdiction}/" if jurisdiction else "")
    label = f"CC {code.upper()} {version}" + (f" {jurisdiction.upper()}" if jurisdiction else "")
    return RightsTerm(
        uri=CC_BASE + path,
        label=label,
        reuse=cc_reuse(code),
        attribution_required=ATTRIBUTION in flags,
        kind="cc",
        code=code.upper(),
        version=version,
        jurisdiction=jurisdiction,
        restrictions=flags,
        rank=rank,
    )


def cc_family_label(code: str) -> str:
    return f"CC {code.upper()}"


def cc_family_rank(code: str) -> int:
    known = _CC_LICENCES.get(code.lower())
    return known[1] if known else 0


def cc_family_restrictions(code: str) -> frozenset[str]:
    """Restriction flags of a licence whatever its version; all flags if unknown."""
    known = _CC_LICENCES.get(code.lower())
    return known[0] if known else ALL_FLAGS


# --- Public domain tools ------------------------------------------------------

CC0 = RightsTerm(
    uri=CC0_URI,
    label="CC0 1.0",
    reuse="free",
    attribution_required=False,
    kind="cc0",
    code="CC0",
    version="1.0",
    rank=1,
)
PDM = RightsTerm(
    uri=PDM_URI,
    label="Public Domain Mark 1.0",
    reuse="free",
    attribution_required=False,
    kind="pdm",
    code="PDM",
    version="1.0",
    rank=0,
)

# --- RightsStatements.org -------------------------------------------------------

_RS: tuple[tuple[str, str, Reuse, frozenset[str], int], ...] = (
    (
        "NoC-NC",
        "No Copyright - Non-Commercial Use Only",
        "conditions",
        frozenset({NON_COMMERCIAL}),
        10,
    ),
    (
        "NoC-OKLR",
        "No Copyright - Other Known Legal Restrictions",
        "conditions",
        frozenset({OTHER_LEGAL}),
        11,
    ),
    (
        "InC-EDU",
        "In Copyright - Educational Use Permitted",
        "conditions",
        frozenset({ATTRIBUTION, NON_COMMERCIAL, NO_DERIVATIVES, SHARE_ALIKE, EDUCATIONAL_ONLY}),
        20,
    ),
    # Everything below needs permission (or research) before reuse.
    ("NKC", "No Known Copyright", "permission", ALL_FLAGS, 30),
    ("NoC-US", "No Copyright - United States", "permission", ALL_FLAGS, 31),
    ("NoC-CR", "No Copyright - Contractual Restrictions", "permission", ALL_FLAGS, 32),
    ("CNE", "Copyright Not Evaluated", "permission", ALL_FLAGS, 33),
    ("UND", "Copyright Undetermined", "permission", ALL_FLAGS, 34),
    ("InC-NC", "In Copyright - Non-Commercial Use Permitted", "permission", ALL_FLAGS, 35),
    (
        "InC-RUU",
        "In Copyright - Rights-holder(s) Unlocatable or Unidentifiable",
        "permission",
        ALL_FLAGS,
        36,
    ),
    ("InC-OW-EU", "In Copyright - EU Orphan Work", "permission", ALL_FLAGS, 37),
    ("InC", "In Copyright", "permission", ALL_FLAGS, 38),
)

RIGHTS_STATEMENTS: dict[str, RightsTerm] = {
    code: RightsTerm(
        uri=f"{RS_BASE}{code}/1.0/",
        label=label,
        reuse=reuse,
        attribution_required=False,
        kind="rs",
        code=code,
        version="1.0",
        restrictions=flags,
        rank=rank,
    )
    for code, label, reuse, flags, rank in _RS
}
#: Lower-cased code -> canonical code, for URIs written in the wrong case.
RS_CODES: dict[str, str] = {code.lower(): code for code in RIGHTS_STATEMENTS}

IN_COPYRIGHT = RIGHTS_STATEMENTS["InC"]


def rs_term(code: str) -> RightsTerm | None:
    canonical = RS_CODES.get(code.lower())
    return RIGHTS_STATEMENTS[canonical] if canonical else None


def is_copyright_claim(term: RightsTerm) -> bool:
    """A licence or an "In Copyright" statement: both say someone holds copyright."""
    return term.kind == "cc" or term.code.startswith("InC")


def all_terms() -> list[RightsTerm]:
    """Every term, once: all CC licences and the ports we know, CC0, PDM and RS."""
    terms = {t.uri: t for t in (CC0, PDM, *RIGHTS_STATEMENTS.values())}
    for version in CC_VERSIONS:
        for code in _CC_LICENCES:
            for jurisdiction in (None, *sorted(CC_PORTS[version])):
                term = cc_term(code, version, jurisdiction)
                if term is not None:
                    terms.setdefault(term.uri, term)
    return list(terms.values())
