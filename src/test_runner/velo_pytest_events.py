"""velo's pytest event plugin: written to a temp dir and loaded with ``-p velo_pytest_events``.

Emits one JSON line per event to the file named by VELO_EVENTS (start and finish of each test,
the collected ids, collection errors), flushed at once so velo knows which test is running.
Registers a faulthandler stack dump on SIGUSR1 into VELO_STACKS, so velo can show where a hung
test is stuck before it kills the process tree. Filters the collected items by the JSON file in
VELO_SELECT ({"only": [ids] or null, "skip": [ids], "first": [ids], "files": [paths] or null}),
which is how velo resumes a session without the finished and timed-out tests (and runs earlier
failures first). "files" (the modules of the tests still to run, relative to the rootdir, as in
node ids) replaces the session's collection arguments, so a resumed session imports and collects
only those modules; when one of them is not a file (or under --pyargs) the arguments stay as
given. VELO_GO names a file velo writes once the selection is there: a session started ahead of
need waits for it before collecting.
"""

import faulthandler
import json
import os
import signal
import time
from pathlib import Path

import pytest

_events = None
_stacks = None
_state = {}
_EXCERPT = 6000
_OUTPUT = 4000
_dumps = json.dumps
_select = []


def _selection():
    # The VELO_SELECT file, read once (collection and filtering both use it).
    if not _select:
        path = os.environ.get("VELO_SELECT")
        spec = None
        if path:
            with open(path, encoding="utf-8") as f:
                spec = json.load(f)
        _select.append(spec)
    return _select[0]


def _emit(obj):
    # One unbuffered write per event: velo sees it at once, and no Python file buffer is involved.
    if _events is not None:
        os.write(_events, (_dumps(obj) + "\n").encode("utf-8"))


def pytest_configure(config):
    global _events, _stacks
    # Under pytest-xdist only the controller reports; workers stay quiet.
    if hasattr(config, "workerinput") or _events is not None:
        return
    path = os.environ.get("VELO_EVENTS")
    if path:
        _events = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    stacks = os.environ.get("VELO_STACKS")
    if stacks and hasattr(signal, "SIGUSR1"):
        _stacks = open(stacks, "w", encoding="utf-8")
        faulthandler.register(signal.SIGUSR1, file=_stacks, all_threads=True, chain=False)


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    # A session started ahead of need (velo's spare, while a test may be hanging) has loaded
    # pytest, the plugins and the first conftest files by now; it waits here until velo has
    # written the selection and then the file VELO_GO names.
    go = os.environ.get("VELO_GO")
    if go:
        while not os.path.exists(go):
            time.sleep(0.005)
    # Collect only the modules that still hold tests to run: pytest imports and collects what
    # its arguments name, so a resumed session does not pay for the whole suite again.
    spec = _selection()
    files = spec and spec.get("files")
    config = session.config
    if not files or getattr(config.option, "pyargs", False):
        return
    root = getattr(config, "rootpath", None) or Path(str(config.rootdir))
    paths = [root / f for f in files]
    if all(p.is_file() for p in paths):
        config.args = [str(p) for p in paths]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    spec = _selection()
    if spec is None:
        return
    only = spec.get("only")
    only = None if only is None else set(only)
    skip = set(spec.get("skip") or ())
    keep, drop = [], []
    for item in items:
        if item.nodeid in skip or (only is not None and item.nodeid not in only):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    first = set(spec.get("first") or ())
    if first:
        keep.sort(key=lambda item: 0 if item.nodeid in first else 1)
    items[:] = keep


def pytest_collection_finish(session):
    _emit({"event": "collected", "ids": [item.nodeid for item in session.items]})


def pytest_collectreport(report):
    # A module that fails or is skipped at collection is one testcase in pytest's own JUnit.
    if report.failed:
        _emit({
            "event": "collect_error",
            "id": report.nodeid or "<collection>",
            "longrepr": str(report.longrepr)[-_EXCERPT:],
        })
    elif report.skipped and report.nodeid:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if reason.startswith("Skipped: "):
            reason = reason[9:]
        _emit({
            "event": "collect_skip",
            "id": report.nodeid,
            "message": "collection skipped",
            "longrepr": reason[-_EXCERPT:],
        })


def _crash(report):
    # The error in one line, as pytest's junitxml words it (the exception line).
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    if isinstance(report.longrepr, str):
        # As junitxml takes it, whole (a strict XPASS: "[XPASS(strict)] " and its reason).
        return report.longrepr
    text = str(report.longrepr)
    return text.strip().splitlines()[-1] if text.strip() else ""


def pytest_runtest_logstart(nodeid, location):
    _state[nodeid] = {"outcome": "passed", "duration": 0.0, "message": "", "longrepr": "", "stdout": "", "stderr": ""}
    if _events is not None:
        os.write(
            _events,
            ('{"event":"start","id":%s,"pid":%d,"time":%r}\n' % (_dumps(nodeid), os.getpid(), time.time())).encode("utf-8"),
        )


def pytest_runtest_logreport(report):
    st = _state.get(report.nodeid)
    if st is None:
        st = _state[report.nodeid] = {"outcome": "passed", "duration": 0.0, "message": "", "longrepr": "", "stdout": "", "stderr": ""}
    st["duration"] += report.duration
    if report.passed:
        # The common case, kept short: this runs three times per test.
        if report.when == "teardown":
            _finish(report.nodeid)
        return
    if report.failed:
        if st["outcome"] in ("passed", "skipped", "xfailed"):
            if report.when == "call":
                st["outcome"] = "failed"
                if hasattr(report, "wasxfail"):
                    st["message"] = "xfail-marked test passes unexpectedly"
                else:
                    st["message"] = _crash(report)
            else:
                st["outcome"] = "error"
                st["message"] = 'failed on %s with "%s"' % (report.when, _crash(report))
        st["longrepr"] += report.longreprtext
    elif report.skipped and st["outcome"] == "passed":
        st["outcome"] = "skipped"
        if hasattr(report, "wasxfail"):
            # An xfail (marked or imperative) is its own outcome; its message is the reason as
            # pytest's junitxml writes it (empty when none was given).
            reason = str(report.wasxfail)
            st["outcome"] = "xfailed"
            st["message"] = reason[8:] if reason.startswith("reason: ") else reason
            st["longrepr"] = st["message"]
        elif isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
            reason = str(report.longrepr[2])
            st["message"] = reason[9:] if reason.startswith("Skipped: ") else reason
            st["longrepr"] = reason
        else:
            st["longrepr"] = report.longreprtext
    if st["outcome"] != "passed":
        # Output is kept for tests that did not pass (a passing test's output is not shown).
        st["stdout"] = report.capstdout
        st["stderr"] = report.capstderr
    if report.when == "teardown":
        _finish(report.nodeid)


def _finish(nodeid):
    # Called on the teardown report, the last of a test (saves a hook call per test).
    st = _state.pop(nodeid, None)
    if st is None or _events is None:
        return
    if st["outcome"] == "passed":
        os.write(
            _events,
            ('{"event":"finish","id":%s,"outcome":"passed","duration":%r,"longrepr":"","stdout":"","stderr":""}\n'
             % (_dumps(nodeid), st["duration"])).encode("utf-8"),
        )
        return
    _emit({
        "event": "finish",
        "id": nodeid,
        "outcome": st["outcome"],
        "duration": st["duration"],
        "message": st["message"],
        "longrepr": st["longrepr"][-_EXCERPT:],
        "stdout": st["stdout"][-_OUTPUT:],
        "stderr": st["stderr"][-_OUTPUT:],
    })
