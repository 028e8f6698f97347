"""The kiosk's link to the server: the only package of the kiosk that talks HTTP.

- ``http``: one client (a ``requests`` session with the kiosk's token) and one backoff with ``Retry-After``.
- ``checkins``: sends the attendance CSV's rows (``SyncClient``).
- ``people``: shares enrolments and erasures between kiosks (``PeopleSync``).
- ``server_link``: runs both and the heartbeat in background threads (``ServerLink``).

The pure core (``kiosk.core``, ``kiosk.vision``) imports no network library; an import-linter contract in
pyproject.toml keeps it so.
"""
