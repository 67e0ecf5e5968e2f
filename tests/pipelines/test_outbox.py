"""The outbox against a local WeCom group-robot stand-in on 127.0.0.1 (the real wire format)."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from pipelines.outbox.delivery import Action, OutboxConfig, deliver, enqueue, load_config

CONFIG = OutboxConfig(
    webhook_url_env="UNUSED",
    max_attempts=3,
    backoff_seconds=(60, 300),
    timeout_seconds=5,
    actions=(
        Action(
            name="activation_task",
            query="select * from marts.tasks",
            models=("tasks",),
            key=("task_id",),
            text="【客户激活任务】{customer_name}：{task_title}，截止 {due_date}",
            mention="owner_rep_id",
        ),
    ),
)
T0 = datetime(2026, 11, 27, 6, 0)


class Robot:
    """A stand-in for the WeCom group robot: records bodies, answers from a script."""

    def __init__(self, answers):
        self.answers = list(answers)  # (http status, json body) per request; the last repeats
        self.received = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.received.append((self.path, json.loads(body.decode("utf-8"))))
                status, answer = (
                    robot.answers.pop(0) if len(robot.answers) > 1 else robot.answers[0]
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


OK = (200, {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def conn(tmp_path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    connection.execute("create schema marts")
    connection.execute(
        "create table marts.tasks as select * from (values "
        "('T1', '宁波精机', '安排技术交流', date '2026-12-04', 'E1001'), "
        "('T2', '杭州电气', '发送定制化方案', date '2026-12-04', 'E1002')"
        ") as t(task_id, customer_name, task_title, due_date, owner_rep_id)"
    )
    yield connection
    connection.close()


def statuses(conn):
    return dict(conn.execute("select message_id, status from ops.outbox").fetchall())


def test_each_action_is_written_once(conn):
    assert enqueue(conn, CONFIG.actions, T0) == 2
    assert enqueue(conn, CONFIG.actions, T0 + timedelta(hours=1)) == 0
    conn.execute("insert into marts.tasks values ('T3', '温州阀门', '跟进关键决策人', null, null)")
    assert enqueue(conn, CONFIG.actions, T0 + timedelta(hours=2)) == 1
    assert sorted(statuses(conn)) == [
        "activation_task:T1",
        "activation_task:T2",
        "activation_task:T3",
    ]


def test_delivery_in_the_group_robot_format(conn):
    enqueue(conn, CONFIG.actions, T0)
    with Robot([OK]) as robot:
        assert deliver(conn, robot.url, CONFIG, T0) == {"delivered": 2, "retried": 0, "failed": 0}
        assert deliver(conn, robot.url, CONFIG, T0) == {"delivered": 0, "retried": 0, "failed": 0}
    assert set(statuses(conn).values()) == {"delivered"}
    path, body = robot.received[0]
    assert path == "/cgi-bin/webhook/send?key=test"
    assert body == {
        "msgtype": "text",
        "text": {
            "content": "【客户激活任务】宁波精机：安排技术交流，截止 2026-12-04",
            "mentioned_list": ["E1001"],
        },
    }


def test_failures_are_retried_with_backoff_then_marked_failed(conn):
    conn.execute("delete from marts.tasks where task_id = 'T2'")
    enqueue(conn, CONFIG.actions, T0)
    answers = [(500, {"error": "busy"}), (200, {"errcode": 45009, "errmsg": "freq limit"}), OK]
    with Robot(answers) as robot:
        assert deliver(conn, robot.url, CONFIG, T0)["retried"] == 1
        # not due again before the first backoff (60 s) has passed
        assert deliver(conn, robot.url, CONFIG, T0 + timedelta(seconds=30))["retried"] == 0
        assert deliver(conn, robot.url, CONFIG, T0 + timedelta(seconds=61))["retried"] == 1
        row = conn.execute("select attempts, last_error from ops.outbox").fetchone()
        assert row == (2, "errcode 45009: freq limit")
        assert deliver(conn, robot.url, CONFIG, T0 + timedelta(minutes=7))["delivered"] == 1
    assert statuses(conn) == {"activation_task:T1": "delivered"}

    conn.execute("insert into marts.tasks values ('T9', 'x', 'y', null, null)")
    enqueue(conn, CONFIG.actions, T0)
    with Robot([(502, {})]) as robot:
        for minutes in (0, 2, 8):
            deliver(conn, robot.url, CONFIG, T0 + timedelta(minutes=minutes))
    failed = conn.execute(
        "select status, attempts, last_error from ops.outbox where message_id like '%T9'"
    ).fetchone()
    assert failed == ("failed", 3, "HTTP 502")


def test_an_unreachable_webhook_is_a_retry_not_a_crash(conn):
    enqueue(conn, CONFIG.actions, T0)
    counts = deliver(conn, "http://127.0.0.1:9/unreachable", CONFIG, T0)
    assert counts == {"delivered": 0, "retried": 2, "failed": 0}
    assert "ConnectionError" in conn.execute("select last_error from ops.outbox").fetchone()[0]


def test_the_shipped_actions_run_on_the_real_marts(pipeline_run):
    """Every configured action's query runs on the real build file and renders its text."""
    config = load_config()
    assert {a.name for a in config.actions} >= {
        "activation_task",
        "lead_task",
        "reverse_flag",
        "landing_rejection",
    }
    with duckdb.connect(str(pipeline_run.settings.build_db), read_only=True) as conn:
        for action in config.actions:
            cursor = conn.execute(action.query)
            columns = [d[0] for d in cursor.description]
            assert set(action.key) <= set(columns), action.name
            assert action.mention is None or action.mention in columns, action.name
            # every {placeholder} of the text is a column of the query (KeyError otherwise)
            assert "{" not in action.text.format_map(dict.fromkeys(columns, "x")), action.name
