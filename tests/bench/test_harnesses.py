"""`make load` and `make bench` (live half) run end to end on a tiny scale: the studio as real
processes (gunicorn + qcluster) on a throw-away directory, driven over HTTP.

Smoke tests of the harnesses: they assert what the runs report (nothing lost, every
generation finished, the table's rows present), never how fast anything was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import form_fields
from bench.table import Row, print_table

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    # The benches run on SQLite files of their own, whatever database this test run uses.
    dropped = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    # Two web workers, not the shipped 2 × CPUs + 1: each loads the whole studio, and these
    # tests check what the runs report, not the shipped config's figures.
    environ.update(BENCH_VAR=str(tmp_path / "bench"), GUNICORN_WORKERS="2", **env)
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_load_with_two_people_loses_nothing(tmp_path):
    done = _run("load.py", tmp_path, LOAD_USERS="2", LOAD_SUBMITS="2", LOAD_DRAIN_SECONDS="180")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "submits accepted         4" in out
    assert "generations created      4" in out
    assert "lost                     0" in out
    assert "database is locked       0" in out
    assert (tmp_path / "bench" / "load" / "cluster.log").exists()  # logs kept to grep


def test_live_bench_reports_every_figure(tmp_path):
    out = tmp_path / "live.json"
    done = _run(
        "live.py",
        tmp_path,
        "--json",
        str(out),
        BENCH_LEVELS="1",
        BENCH_CAPACITY="3",
        BENCH_WINDOW="3",
        BENCH_SUBMITS="3",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["measure"]: row for row in json.loads(out.read_text())["rows"]}
    measures = " | ".join(rows)
    assert "memory at rest, web + cluster (PSS)" in rows
    assert "form submit (Midjourney POST): p95" in rows, measures  # no refusal noted
    assert "submit from the prompt bar (htmx POST): p95" in rows, measures
    assert "submits accepted but not stored" not in rows, measures
    for webhooks in ("off", "on"):
        p95 = [m for m in rows if f"webhooks {webhooks}: p95 [" in m]
        assert p95 and "[1/1 done" in p95[0], measures
    assert rows["in flight on one key, kept by the poller"]["value"] == "3"
    assert rows['"database is locked" in the live runs']["value"] == "0"
    assert any(m.startswith("memory under load") for m in rows)


def test_polling_bench_reports_every_goal(tmp_path):
    out = tmp_path / "polling.json"
    done = _run(
        "polling.py",
        tmp_path,
        "--json",
        str(out),
        BENCH_POLL_SECONDS="15",
        BENCH_POLL_SMALL_SECONDS="6",
        BENCH_POLL_IN_FLIGHT="100",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    measures = [row["measure"] for row in json.loads(out.read_text())["rows"]]
    for goal in ("1. never idle", "2. fetches per second", "2. 429s", "3. fair keys"):
        assert any(m.startswith(goal) for m in measures), measures
    assert sum(m.startswith("4. DONE → stored") for m in measures) == 2, measures
    assert any(m.startswith("8. memory at rest, web + cluster PSS (") for m in measures), measures
    assert any(m.startswith("8. memory under 100 in flight") for m in measures), measures


def test_form_fields_are_what_a_browser_would_send():
    html = """<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">
    <textarea name="prompt">a fox</textarea><select name="speed"><option value="fast">F
    <option value="relax" selected>R</select><select name="key"><option value="k1">K</select>
    <input type="checkbox" name="raw"><input type="checkbox" name="boost" checked>
    <input type="radio" name="q" value="1"><input type="radio" name="q" value="2" checked>
    <input type="submit" name="go" value="Go"></form>"""
    assert form_fields(html, "prompt") == {
        "csrfmiddlewaretoken": "t",
        "prompt": "a fox",
        "speed": "relax",
        "key": "k1",
        "boost": "on",
        "q": "2",
    }


def test_table_prints_goal_baseline_and_verdict():
    lines = []
    print_table(
        [Row("submit p95", "40 ms", "≤ 50 ms", True, "12 ms"), Row("429s", "3", "0", False)],
        out=lines.append,
    )
    assert lines[0].split() == ["measure", "value", "goal", "baseline"]
    assert lines[2].split()[-2:] == ["ms", "ok"] and "12 ms" in lines[2]
    assert lines[3].endswith("MISSED")


def test_anchor_bench_reports_the_studio_beside_the_sdk(tmp_path):
    out = tmp_path / "anchor.json"
    done = _run("anchor.py", tmp_path, "--json", str(out), BENCH_ANCHOR_N="2")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 1, rows
    (row,) = rows
    assert row["measure"].startswith("9. anchor, N = 2 Midjourney jobs on one key"), row
    assert row["value"].startswith("2/2, "), row  # the studio stored both
    assert "SDK, one job at a time: 2/2" in row["baseline"], row
    assert "SDK, one thread per job: 2/2" in row["baseline"], row


def test_storage_live_bench_reports_s3_beside_local(tmp_path):
    out = tmp_path / "storage_live.json"
    done = _run(
        "storage_live.py",
        tmp_path,
        "--json",
        str(out),
        BENCH_STORE_JOBS="2",
        BENCH_STORE_ROUNDS="2",
        BENCH_STORE_WARM_UP="1",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    measures = [row["measure"] for row in rows]
    assert any(m.startswith("DONE → stored, 2 Flux in flight") for m in measures), measures
    # The page shows the warm-up's card beside the two measured ones.
    assert any(m.startswith("gallery first page + 3 thumbnails") for m in measures), measures
    for row in rows:
        assert "(n=2, S3 on loopback)" in row["measure"], row
        assert "(local disk, n=2)" in row["baseline"], row
