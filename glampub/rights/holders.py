"""Who holds the rights: a name from an export's rightsHolder, or nothing.

Exports put all sorts of text where a holder's name belongs: a statement
("Public Domain", "CC0", "No known copyright"), a URI, a placeholder
("unknown", "-"). Those are not holders, and a credit line that read
"© Public Domain" would claim rights over the public domain. A real name
keeps its own wording, without a leading "©" or "Copyright" (the credit
adds its own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from glampub.rights.engine import map_rights

#: A leading copyright sign or word, which the credit line writes itself.
_COPYRIGHT_PREFIX = re.compile(r"^\s*(?:©|\(c\)|copyright\b|urheberrecht\b)[\s:.,]*", re.IGNORECASE)
#: What a URI, not a name, looks like.
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:(?://|[^\s]*$)", re.IGNORECASE)
#: The rights engine's rule for "© Someone": a name with a copyright sign, a holder.
_HOLDER_RULE = "copyright-holder"


@lru_cache(maxsize=4096)
def holder_name(text: str | None) -> str | None:
    """The holder named by ``text``, or None when it names none.

    Cached: a file repeats a handful of holders over thousands of records.
    """
    if not text:
        return None
    value = " ".join(text.split())
    if not any(c.isalpha() for c in value) or _URI.match(value):
        return None
    decision = map_rights([value])
    if decision.rule == "no-statement" or (decision.uri and decision.rule != _HOLDER_RULE):
        return None  # a statement or a placeholder, not a name
    name = _COPYRIGHT_PREFIX.sub("", value).strip()
    return name if any(c.isalpha() for c in name) else None


def object_holder(
    own: str | None, image_holders: Sequence[str | None], images_decide: bool
) -> str | None:
    """The holder to credit for an object's published reproductions.

    Where the images' own rights decide (LIDO rightsResource), their holder
    (a photographer, a library) is the one a CC BY credit names; else the
    record's own (a CSV ``rights_holder`` column, LIDO rightsWorkSet). The
    other is the fallback.
    """
    candidates = [*image_holders, own] if images_decide else [own, *image_holders]
    for candidate in candidates:
        if name := holder_name(candidate):
            return name
    return None
