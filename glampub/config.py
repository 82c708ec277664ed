"""Configuration: defaults, then ``GLAMPUB_*`` from the environment, then test_config."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glampub.errors import UsageError

#: Environment variables read at start-up (documented in the README; a test checks it).
#: GLAMPUB_CONTACT, GLAMPUB_FETCH_ALLOW and GLAMPUB_FETCH_RATE are read by the
#: fetching of images (glampub.images.http_fetch.FetchPolicy), when an import starts.
ENVIRONMENT_VARIABLES = (
    "GLAMPUB_DATABASE_URL",
    "GLAMPUB_DATA_DIR",
    "GLAMPUB_BASE_URL",
    "GLAMPUB_REDIS_URL",
    "GLAMPUB_SECRET_KEY",
    "GLAMPUB_PROXIES",
    "GLAMPUB_IMAGE_CACHE_MB",
    "GLAMPUB_CONTACT",
    "GLAMPUB_FETCH_ALLOW",
    "GLAMPUB_FETCH_RATE",
    "GLAMPUB_EDM_PROVIDER",
    "GLAMPUB_OAI_ADMIN_EMAIL",
    "GLAMPUB_ROBOTS_AI",
)

#: Entries per page in IIIF Collections and Change Discovery: the app's
#: ``COLLECTION_PAGE_SIZE`` and ``DISCOVERY_PAGE_SIZE``, and the sizes an import
#: counts the page boundaries for before its commit (glampub.importing.finishing).
COLLECTION_PAGE_SIZE = 1000
DISCOVERY_PAGE_SIZE = 1000


def instance_path() -> str:
    """The data folder when GLAMPUB_DATA_DIR is unset: the web app's and every command's.

    The folder Flask gives an app named "glampub" (``flask.sansio.scaffold.find_package``),
    found here without loading Flask, so that a command that needs only the
    database (``glampub import``) starts without the web framework: beside the
    checkout (``instance/``) when glampub runs from one, else
    ``PREFIX/var/glampub-instance`` of the environment it is installed in.
    ``glampub.app.create_app`` hands this very path to Flask, so the two never differ.
    """
    # The folder that holds the package, as Python imports it (find_spec's origin).
    package_path = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prefix = os.path.abspath(sys.prefix)
    if Path(package_path).is_relative_to(prefix):
        return os.path.join(prefix, "var", "glampub-instance")
    site_parent, site_folder = os.path.split(package_path)
    if site_folder.lower() == "site-packages":
        parent, folder = os.path.split(site_parent)
        if folder.lower() == "lib":  # Windows: prefix/lib/site-packages
            installed = parent
        elif os.path.basename(parent).lower() == "lib":  # prefix/lib/pythonX.Y/site-packages
            installed = os.path.dirname(parent)
        else:  # prefix/site-packages
            installed = site_parent
        return os.path.join(installed, "var", "glampub-instance")
    return os.path.join(package_path, "instance")


def build_config(
    instance_path: str, test_config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The app's configuration; the data folder is created if missing."""
    env = os.environ
    config: dict[str, Any] = {
        "DATA_DIR": env.get("GLAMPUB_DATA_DIR") or instance_path,
        "DATABASE_URL": env.get("GLAMPUB_DATABASE_URL") or None,
        "BASE_URL": (env.get("GLAMPUB_BASE_URL") or "").rstrip("/") or None,
        "REDIS_URL": env.get("GLAMPUB_REDIS_URL") or None,
        "SECRET_KEY": env.get("GLAMPUB_SECRET_KEY") or None,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are
        # believed (glampub.web.security); 0 believes none.
        "PROXIES": _whole_number("GLAMPUB_PROXIES", env.get("GLAMPUB_PROXIES") or "0"),
        # Images larger than this are refused as decompression bombs.
        "MAX_IMAGE_PIXELS": 100_000_000,
        # What each worker keeps of the IIIF documents and image records it
        # served (see glampub.publishing.documents): bounded, so a worker's
        # memory does not grow with the collection.
        "SERVED_CACHE_BYTES": 16 * 1024 * 1024,
        "SERVED_IMAGE_ENTRIES": 5_000,
        # The largest image the Image API renders (pixels): declared as
        # maxArea in info.json, it bounds one request's memory (about 9 bytes
        # a pixel at its peak) and lets "^" sizes upscale up to it. 6 MP is
        # e.g. 3000 x 2000; the full-resolution original is the download.
        "IMAGE_MAX_AREA": 6_000_000,
        # Renders at once per process and lane, small and large (cached
        # answers never wait): a worker's memory then follows this, not its
        # number of threads (see glampub.images.render_lanes).
        "IMAGE_RENDER_SLOTS": 1,
        # Large renders (over 1 MP) one address may have under way in a
        # process, and how many may wait for a slot; more are refused at once.
        "IMAGE_RENDERS_PER_CLIENT": 1,
        "IMAGE_RENDERS_WAITING": 2,
        # The derivative image cache's cap (least recently used first out).
        "IMAGE_CACHE_BYTES": _whole_number(
            "GLAMPUB_IMAGE_CACHE_MB", env.get("GLAMPUB_IMAGE_CACHE_MB") or "1024"
        )
        * 1024
        * 1024,
        # Entries per page in IIIF Collections and Change Discovery.
        "COLLECTION_PAGE_SIZE": COLLECTION_PAGE_SIZE,
        "DISCOVERY_PAGE_SIZE": DISCOVERY_PAGE_SIZE,
        "SEARCH_PAGE_SIZE": 24,
        # On PostgreSQL, a search's matches are counted exactly up to this many;
        # beyond, the total and facet counts are estimated from a sample and
        # shown as "about" (glampub.search.estimates).
        "SEARCH_EXACT_COUNTS_UP_TO": 10_000,
        # OAI-PMH (glampub.harvesting): records per list response, how long a
        # resumption token lasts, Identify's contact and name, and edm:provider
        # (unset: each record's own institution).
        "OAI_PAGE_SIZE": 100,
        "OAI_TOKEN_SECONDS": 24 * 3600,
        "OAI_ADMIN_EMAIL": env.get("GLAMPUB_OAI_ADMIN_EMAIL") or None,
        "OAI_REPOSITORY_NAME": "glampub",
        "EDM_PROVIDER": env.get("GLAMPUB_EDM_PROVIDER") or None,
        # robots.txt's section for AI crawlers (glampub.publishing.robots):
        # allow, disallow, or the user agents to keep out, comma-separated.
        "ROBOTS_AI": env.get("GLAMPUB_ROBOTS_AI") or "allow",
        # The largest upload accepted (an export with its images), in bytes.
        "MAX_CONTENT_LENGTH": 8 * 1024**3,
        # The largest body of any other request (forms, JSON, a logo).
        "MAX_REQUEST_BYTES": 16 * 1024**2,
        # The RQ queue background imports go to when GLAMPUB_REDIS_URL is set.
        "RQ_QUEUE": "glampub",
        # Failed logins allowed per account and per address in LOGIN_WINDOW_MINUTES.
        "LOGIN_LIMIT_PER_ACCOUNT": 5,
        "LOGIN_LIMIT_PER_ADDRESS": 20,
        "LOGIN_WINDOW_MINUTES": 15,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    }
    if test_config:
        config.update(test_config)
    data_dir = Path(config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    config["DATA_DIR"] = str(data_dir)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{data_dir / 'glampub.sqlite3'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _kept_secret(data_dir / "secret_key")
    return config


def _whole_number(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise UsageError(f"{name} must be a whole number (0 or more), not {text!r}")
    return value


def _kept_secret(path: Path) -> str:
    """A random secret made on first run and kept, so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    # Owner-only from the moment it exists, not after a chmod.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secret)
    return secret
