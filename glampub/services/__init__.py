"""Use cases (import, publish, search, export) shared by the CLI and the web app."""
