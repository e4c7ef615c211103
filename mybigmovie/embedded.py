"""The embedded database: nx-27017 (a MongoDB wire-protocol server on SQLite) as a subprocess.

Used when MONGODB_URL is unset. It is not MongoDB: see docs/nx-27017.md for what differs and
where the code works around it.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError


class EmbeddedMongo:
    """Start nx-27017 on a free loopback port over a data directory; stop it cleanly."""

    def __init__(self, data_dir: Path, log_file: Path | None = None) -> None:
        self.data_dir = data_dir
        self.log_file = log_file or data_dir / "nx-27017.log"
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 30.0, port: int = 0) -> str:
        """Start the server (on ``port``, else a free one) and wait until it answers; its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or _free_port()
        command = [_executable(), "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
                   "-p", str(self.port), "--log-file", str(self.log_file),
                   "--pid-file", str(self.data_dir / f"nx-27017-{self.port}.pid")]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_until_up(timeout)
        return self.url

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the embedded database (nx-27017) exited at start:\n{error}")
            try:
                with MongoClient(self.url, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the embedded database did not answer within {timeout:.0f} s; see {self.log_file}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> "EmbeddedMongo":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _executable() -> str:
    beside_python = Path(sys.executable).parent / "nx-27017"
    found = str(beside_python) if beside_python.exists() else shutil.which("nx-27017")
    if not found:
        raise RuntimeError("nx-27017 is not installed: run 'make run' (it installs the project's dependencies)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


__all__ = ["EmbeddedMongo"]
