"""Shared fixtures of the Python package's tests (run by ctest as
python_test: tests/CMakeLists.txt passes the tools and directories
through the environment).

FORUM_INDEX, FORUM_SEARCH  the command-line tools of the same build: the
                           oracle of every comparison (they share no code
                           with the package);
FORUM_SAMPLES              examples/threads;
FORUMSEARCH_LIBRARY        the build's libforumsearch.so (read by the
                           package itself).
"""

import json
import os
import shutil
import subprocess
import tempfile

import pytest


def _need(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit("%s is not set: run through ctest (python_test)" % name,
                    returncode=2)
    return value


FORUM_INDEX = _need("FORUM_INDEX")
FORUM_SEARCH = _need("FORUM_SEARCH")
SAMPLES = _need("FORUM_SAMPLES")


def run_search(db, *args, check_exit=(0, 1)):
    """forum-search's stdout, stderr and exit code."""
    proc = subprocess.run([FORUM_SEARCH, *args[:-1], db, args[-1]],
                          capture_output=True, env=dict(os.environ,
                                                        NO_COLOR="1"))
    assert proc.returncode in check_exit, (args, proc.returncode,
                                           proc.stderr.decode())
    return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"), \
        proc.returncode


def cli_json(db, query, *options):
    """The hits of forum-search --json as dicts."""
    out, _, _ = run_search(db, "--json", *options, query)
    return [json.loads(line) for line in out.splitlines()]


def cli_count(db, query, *options):
    out, _, _ = run_search(db, "--json", "--count", *options, query)
    counts = json.loads(out)
    return counts["posts"], counts["threads"]


def index_with_cli(db, tree):
    proc = subprocess.run([FORUM_INDEX, "-q", db, tree], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()


@pytest.fixture(scope="session")
def scratch():
    path = tempfile.mkdtemp(prefix="forumsearch-python-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def samples_db(scratch):
    """examples/threads indexed by forum-index (read-only for tests)."""
    db = os.path.join(scratch, "samples.db")
    index_with_cli(db, SAMPLES)
    return db


@pytest.fixture
def tmp_db(tmp_path):
    return str(tmp_path / "db")
