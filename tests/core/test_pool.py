"""The pool's check before it hands out a connection (``backend.core.pool``): a connection that lay idle is checked and
a broken one replaced; one handed out moments ago is not checked again (``DATABASE_POOL_CHECK_AFTER``)."""

import time

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from backend.core.pool import CheckUnlessRecentlyUsed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WINDOW = 0.2


@pytest.fixture
def pool_checking_after():
    pools = []

    def make(window: float) -> ConnectionPool:
        params = connection.get_connection_params()
        params["autocommit"] = True
        pool = ConnectionPool(
            kwargs=params, min_size=1, max_size=1, timeout=5, check=CheckUnlessRecentlyUsed(window), open=True
        )
        pools.append(pool)
        pool.wait()
        return pool

    yield make
    for pool in pools:
        pool.close()


def _pid(pool: ConnectionPool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.05)  # the backend is gone once PostgreSQL has signalled it


def test_a_connection_that_lay_idle_is_checked_and_a_broken_one_is_replaced(pool_checking_after):
    pool = pool_checking_after(WINDOW)
    first = _pid(pool)
    _terminate(first)
    time.sleep(WINDOW)

    assert _pid(pool) not in (first, None)


def test_a_connection_handed_out_moments_ago_is_handed_out_again_unchecked(pool_checking_after):
    pool = pool_checking_after(60)
    first = _pid(pool)
    assert _pid(pool) == first  # the same connection, handed out again at once
    _terminate(first)

    with pytest.raises(psycopg.OperationalError), pool.connection() as conn:
        conn.execute("SELECT 1")
    assert _pid(pool) != first  # given back broken, it was discarded: the next one is new


def test_a_window_of_zero_checks_every_connection(pool_checking_after):
    pool = pool_checking_after(0)
    first = _pid(pool)
    _terminate(first)

    assert _pid(pool) != first


def test_the_check_names_its_window():
    assert repr(CheckUnlessRecentlyUsed(1.5)) == "CheckUnlessRecentlyUsed(window=1.5)"
