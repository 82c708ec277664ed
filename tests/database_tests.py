"""Which tests open a database, so that the PostgreSQL run can leave out the rest.

A test opens a database when it asks for a fixture that makes an app (``app``,
``client``, ``runner`` and the demo ones, directly or through another fixture),
or when its module reaches a database another way: an app it makes itself, a
glampub process given its database (``subprocess_env``), the browser or staff
helpers, the demo loader. The module check reads the module's source, so it
errs on the side of running a test on both engines.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

DATABASE_FIXTURES = frozenset({"app", "client", "runner", "demo_app", "demo_client"})

# Names whose mention in a test module means it can reach a database directly.
_REACHES_A_DATABASE = re.compile(
    r"create_app|subprocess_env|database_url|glampub\.db\b|Database\(|browser_support"
    r"|staff_helpers|load_demo|GLAMPUB_DATA_DIR|GLAMPUB_DATABASE_URL|\bdatabase\("
)


@functools.cache
def _module_reaches_a_database(path: Path) -> bool:
    return bool(_REACHES_A_DATABASE.search(path.read_text("utf-8")))


def opens_a_database(item: pytest.Item) -> bool:
    """True unless the test is known to touch no database at all."""
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    return _module_reaches_a_database(Path(item.path))
