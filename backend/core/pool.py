"""The check psycopg's pool runs on a connection before it hands it out, skipped for one it handed out moments ago.

With ``CONN_HEALTH_CHECKS`` Django has the pool check every connection it hands out: an empty query, one round trip
to PostgreSQL before each request's first statement (under load a transition's statements are thirteen, the check
one more, and each costs both processes CPU). A connection handed out less than ``window`` seconds ago was working
then, and one that broke during that request does not come back: the pool discards a connection it gets back closed
or in an unknown state. So only a connection that lay idle longer is checked, where the failures a check is for
happen (PostgreSQL restarted, a firewall or ``idle_session_timeout`` dropped it). HikariCP does the same for
connections used within the last half second (``aliveBypassWindowMs``).

Imported by the settings: nothing of Django here.
"""

import time

from psycopg_pool import ConnectionPool

_HANDED_OUT_AT = "_ramec_handed_out_at"


class CheckUnlessRecentlyUsed:
    """A pool's ``check`` callable: ``ConnectionPool.check_connection`` for a connection last handed out more than
    ``window`` seconds ago (or never); ``window`` 0 checks every one."""

    def __init__(self, window: float) -> None:
        self.window = window

    def __call__(self, connection) -> None:
        now = time.monotonic()
        last = getattr(connection, _HANDED_OUT_AT, None)
        if last is None or now - last >= self.window:
            ConnectionPool.check_connection(connection)  # raises for a broken connection: the pool drops it
        setattr(connection, _HANDED_OUT_AT, now)

    def __repr__(self) -> str:
        return f"CheckUnlessRecentlyUsed(window={self.window})"
