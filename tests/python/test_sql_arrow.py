"""`POST /sql` answers that pyarrow and pandas read as they are.

The server comes from conftest.py (the index named by FOLIO_TEST_INDEX).
"""

import json
import urllib.request

import pyarrow as pa
import pyarrow.ipc

ARROW = "application/vnd.apache.arrow.stream"


def post(url, body, content_type="text/plain", accept=None):
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    req = urllib.request.Request(url + "/sql", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req) as resp:
        return resp.headers, resp.read()


def test_arrow_stream_reads_with_pyarrow_and_pandas(server):
    headers, body = post(server, "SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns", accept=ARROW)
    assert headers["Content-Type"] == ARROW
    table = pa.ipc.open_stream(body).read_all()
    assert table.column_names == ["ns", "n"]
    assert sum(table.column("n").to_pylist()) == 206
    frame = table.to_pandas()
    assert frame["n"].sum() == 206


def test_arrow_and_json_answers_agree(server):
    sql = "SELECT id, message FROM fortune ORDER BY id"
    _, body = post(server, sql, accept=ARROW)
    arrow_rows = pa.ipc.open_stream(body).read_all().to_pylist()
    _, body = post(server, json.dumps({"sql": sql, "params": []}), content_type="application/json")
    assert arrow_rows == json.loads(body)
    assert arrow_rows[11] == {"id": 12, "message": "フレームワークのベンチマーク"}
