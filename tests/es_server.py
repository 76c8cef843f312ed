"""A real single-node Elasticsearch for the test session and benchmarks, from Maven Central's jars.

There is no Docker engine here; tools/elasticsearch/ builds a small launcher that embeds a real
Elasticsearch 7.17 node (the newest line whose HTTP module Maven Central serves). Maven caches
the jars in ~/.m2; the build lands in build/elasticsearch/. The node binds 127.0.0.1 only, on a
free port, with a small heap, and its data lives in a temporary folder removed on stop.
LPO_ELASTICSEARCH_URL points the tests at an existing server instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.pg_server import free_port

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "elasticsearch"
BUILD = ROOT / "build" / "elasticsearch"
MAIN_CLASS = BUILD / "classes" / "lpo" / "es" / "SingleNode.class"
HEAP = ["-Xms512m", "-Xmx1g"]


def tools_missing() -> str | None:
    """Why the node cannot be built here, or None."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: run `make setup` (Debian packages default-jdk-headless and maven)"
    return None


def build() -> None:
    """Compile the launcher and copy its jars (a no-op when up to date)."""
    sources = [TOOL / "pom.xml", *TOOL.rglob("*.java")]
    if MAIN_CLASS.exists() and (BUILD / "lib").is_dir() and \
            all(s.stat().st_mtime <= MAIN_CLASS.stat().st_mtime for s in sources):
        return
    r = subprocess.run(["mvn", "-q", "-B", "-f", str(TOOL / "pom.xml"), "package"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building {TOOL} with Maven failed (needs Maven Central):\n{r.stdout[-3000:]}{r.stderr[-2000:]}")


class ElasticsearchNode:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="lpo-es-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def _get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())

    def start(self, timeout: float = 180) -> str:
        build()
        log = open(self.home / "node.log", "w")
        cp = os.pathsep.join([str(BUILD / "classes"), str(BUILD / "lib" / "*")])
        self.proc = subprocess.Popen(["java", *HEAP, "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                                      "-cp", cp, "lpo.es.SingleNode", str(self.home), str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Elasticsearch exited with {self.proc.returncode}: "
                                   f"{(self.home / 'node.log').read_text()[-3000:]}")
            try:
                if self._get("/_cluster/health?wait_for_status=green&timeout=5s")["status"] == "green":
                    return self.url
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Elasticsearch did not turn green within {timeout:.0f}s")

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()  # SIGTERM: the shutdown hook closes the node
                try:
                    self.proc.wait(30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
