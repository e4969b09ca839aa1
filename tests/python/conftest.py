"""Shared fixtures for the tests of the local scripts and the compose file."""
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
LOCAL_SCRIPTS = REPO / "Deploy" / "local"
WORKERS = ["scheduler", "collector", "retrier", "reconciler", "accounting-sync"]


def run(args, env=None, cwd=REPO, timeout=120):
    """Runs a command, returning the CompletedProcess (text mode, never raising on failure)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL,
    )


def copy_local_scripts(repo):
    """Deploy/local and what its scripts read (the broker users in Deploy/rabbitmq/users.py) into repo."""
    shutil.copytree(LOCAL_SCRIPTS, repo / "Deploy" / "local")
    shutil.copytree(REPO / "Deploy" / "rabbitmq", repo / "Deploy" / "rabbitmq")


@pytest.fixture
def sandbox_repo(tmp_path):
    """A throw-away copy of Deploy/local, so the scripts use their own .local/ folder."""
    copy_local_scripts(tmp_path / "repo")
    return tmp_path / "repo"
