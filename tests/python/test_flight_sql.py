"""Arrow Flight SQL (`--flight ADDR`) through the standard client, the ADBC Flight SQL driver:
the same answers as `POST /sql`, parameters bound, writes refused, the tables listed with their
schemas, and the same limits.

The server comes from conftest.py (the index named by FOLIO_TEST_INDEX), started with
`--flight 127.0.0.1:0` and `--sql-max-rows 150` (the sample has 206 pages).
"""

import json
import os
import urllib.request

import adbc_driver_flightsql.dbapi as flight_sql
import adbc_driver_manager
import pyarrow as pa
import pyarrow.ipc
import pytest

from conftest import serve

ARROW = "application/vnd.apache.arrow.stream"


@pytest.fixture(scope="module")
def servers():
    yield from serve([os.environ["FOLIO_TEST_INDEX"]], extra=["--sql-max-rows", "150"], flight=True)


@pytest.fixture()
def conn(servers):
    # Autocommit: Folio has no transactions (its SQL only reads).
    with flight_sql.connect(servers[1], autocommit=True) as conn:
        yield conn


def http_sql(url, sql, arrow=True):
    req = urllib.request.Request(url + "/sql", data=sql.encode(), method="POST",
                                 headers={"Content-Type": "text/plain", "Accept": ARROW if arrow else "*/*"})
    with urllib.request.urlopen(req) as resp:
        body = resp.read()
    return pa.ipc.open_stream(body).read_all() if arrow else json.loads(body)


def test_a_query_answers_as_post_sql_does(servers, conn):
    sql = "SELECT ns, count(*) AS n, max(title) AS last FROM pages GROUP BY ns ORDER BY ns"
    with conn.cursor() as cur:
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    assert table.equals(http_sql(servers[0], sql))
    assert sum(table.column("n").to_pylist()) == 206
    assert table.to_pandas()["n"].sum() == 206


def test_parameters_are_bound(servers, conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id, message FROM fortune WHERE id = $1", parameters=(12,))
        assert cur.fetchall() == [(12, "フレームワークのベンチマーク")]
        # The same prepared statement, bound again.
        cur.execute("SELECT id, message FROM fortune WHERE id = $1", parameters=(1,))
        assert cur.fetchall() == [(1, "fortune: No such file or directory")]
        cur.execute("SELECT count(*) AS n FROM pages WHERE title >= $1 AND ns = $2", parameters=("M", 0))
        (n,), = cur.fetchall()
    expected = http_sql(servers[0], "SELECT count(*) AS n FROM pages WHERE title >= 'M' AND ns = 0", arrow=False)
    assert n == expected[0]["n"] > 0


@pytest.mark.parametrize("sql", [
    'UPDATE world SET "randomNumber" = 1 WHERE id = 1',
    "CREATE TABLE t (a int)",
    "INSERT INTO fortune VALUES (99, 'x')",
])
def test_writes_are_refused_and_change_nothing(servers, conn, sql):
    # A digest of world's rows (the whole table is more rows than this server answers).
    digest = 'SELECT count(*) AS n, sum(CAST("randomNumber" AS BIGINT) * id) AS h FROM world'
    before = http_sql(servers[0], digest, arrow=False)
    with conn.cursor() as cur:
        with pytest.raises(adbc_driver_manager.Error) as refused:
            cur.execute(sql)
    assert "sql_forbidden" in str(refused.value), refused.value
    # The update call of Flight SQL (DoPut with CommandStatementUpdate).
    with conn.cursor() as cur:
        with pytest.raises(adbc_driver_manager.Error) as refused:
            cur.adbc_statement.set_sql_query(sql)
            cur.adbc_statement.execute_update()
    assert "sql_forbidden" in str(refused.value) or "read-only" in str(refused.value), refused.value
    assert http_sql(servers[0], digest, arrow=False) == before


def test_limits_hold_as_for_post_sql(conn):
    with conn.cursor() as cur:
        with pytest.raises(adbc_driver_manager.Error) as over:
            cur.execute("SELECT * FROM pages")
            cur.fetch_arrow_table()
    assert "sql_limit (rows)" in str(over.value), over.value
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM pages ORDER BY page_id LIMIT 150")
        assert cur.fetch_arrow_table().num_rows == 150


def test_tables_are_listed_with_their_schemas(servers, conn):
    objects = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
    names = {t["table_name"] for c in objects for s in c["catalog_db_schemas"] for t in s["db_schema_tables"] or []}
    assert {"world", "fortune", "pages", "all_pages"} <= names
    world = conn.adbc_get_table_schema("world")
    assert world.names == ["id", "randomNumber"]
    pages = conn.adbc_get_table_schema("pages")
    assert pages == http_sql(servers[0], "SELECT * FROM pages LIMIT 0").schema
    assert conn.adbc_get_info()["vendor_name"] == "Folio"
