"""A replica set on loopback, without containers: Redis, N ``hushscribe serve`` replicas and nginx in
front, each started from its binary as the current user with every file in one work directory.

Why here: ``hushscribe bench stream --spawn --replicas N`` measures scaling through the balancer and
the replica tests (tests/e2e/test_replicas.py) check the shared-state behaviour with the same pieces.
nginx runs ``deploy/nginx.conf`` itself, rendered for loopback by :func:`render_nginx_conf`, so the
shipped configuration is the one under test. redis-server and nginx come from Debian's packages
(``scripts/install-lb``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from .stream import SpawnedServer, free_port

DEPLOY_DIR = Path(__file__).resolve().parents[3] / "deploy"
NGINX_CONF = DEPLOY_DIR / "nginx.conf"
# Where Debian puts the binaries (nginx is in /usr/sbin, often not on a user's PATH).
_SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])


def binary(name: str) -> str | None:
    return shutil.which(name, path=_SEARCH)


def _wait_port(port: int, proc: subprocess.Popen, what: str, log: Path, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s:g} s:\n{_tail(log)}")


def _tail(path: Path, n: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> int | None:
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


class RedisProcess:
    """``redis-server`` on a free loopback port, no persistence, its files in ``workdir``."""

    def __init__(self, workdir: Path):
        self.workdir, self.port = Path(workdir), free_port()
        self.log = self.workdir / f"redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        exe = binary("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (scripts/install-lb installs it)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([exe, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                          "--appendonly", "no", "--dir", str(self.workdir)],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "redis-server", self.log)
        return self

    def stop(self) -> None:
        _stop(self.proc)


def render_nginx_conf(upstream_ports: Sequence[int], listen_port: int, workdir: Path,
                      template: Path = NGINX_CONF) -> str:
    """``deploy/nginx.conf`` for loopback: the upstream's servers become the given ports, nginx listens
    on ``listen_port``, and its logs and temporary files go to ``workdir`` (main-context settings such
    as ``pid`` come from :class:`NginxProcess`'s ``-g``)."""
    text = template.read_text()
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
    text, n = re.subn(r"^[ \t]*server [^;\n]+:8765[^;\n]*;[ \t]*\n", "", text, flags=re.M)
    if n == 0:
        raise ValueError(f"{template}: no 'server ...:8765' line in the upstream")
    text, n = re.subn(r"(upstream hushscribe \{\n)", r"\1" + servers + "\n", text)
    if n != 1:
        raise ValueError(f"{template}: expected one 'upstream hushscribe {{'")
    text, n = re.subn(r"listen\s+8080;", f"listen 127.0.0.1:{listen_port};", text)
    if n != 1:
        raise ValueError(f"{template}: expected one 'listen 8080;'")
    text = re.sub(r"access_log\s+/dev/stdout", f"access_log {workdir}/access.log", text)
    temp = "".join(f"    {d}_temp_path {workdir}/{d};\n"
                   for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return text.replace("http {\n", "http {\n" + temp, 1)


class NginxProcess:
    """nginx in the foreground (``daemon off``) with a rendered ``deploy/nginx.conf``."""

    def __init__(self, workdir: Path, upstream_ports: Sequence[int]):
        self.workdir, self.port = Path(workdir), free_port()
        self.upstream_ports = list(upstream_ports)
        self.conf = self.workdir / "nginx.conf"
        self.log = self.workdir / "nginx-error.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v3/ws"

    def command(self, *extra: str) -> list[str]:
        exe = binary("nginx")
        if exe is None:
            raise RuntimeError("nginx is not installed (scripts/install-lb installs it)")
        main = f"daemon off; pid {self.workdir}/nginx.pid; error_log {self.log} warn;"
        if os.geteuid() == 0:
            main += " user root;"  # workers may then use the work directory (pytest's is 0700)
        return [exe, "-p", str(self.workdir), "-c", str(self.conf), "-e", str(self.log), "-g", main, *extra]

    def write_conf(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(render_nginx_conf(self.upstream_ports, self.port, self.workdir))

    def start(self) -> NginxProcess:
        self.write_conf()
        with open(self.workdir / "nginx-stdout.log", "wb") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "nginx", self.log)
        return self

    def stop(self) -> None:
        _stop(self.proc, signal.SIGQUIT)  # graceful: workers finish their requests


class LocalCluster:
    """Redis + ``replicas`` × ``hushscribe serve`` (same key, same token secret, same Redis) + nginx.

    ``replicas=1`` still goes through nginx and Redis, so 1 vs 2 replicas compares like with like."""

    def __init__(self, workdir: Path, replicas: int, key: str = "bench-key", extra_args: Sequence[str] = (),
                 ready_timeout_s: float = 60.0, token_secret: str | None = None):
        if replicas < 1:
            raise ValueError("--replicas must be at least 1")
        self.workdir = Path(workdir)
        self.key = key
        self.token_secret = token_secret or secrets.token_urlsafe(32)
        self.redis = RedisProcess(self.workdir)
        self.replicas = [SpawnedServer(key, extra_args, ready_timeout_s) for _ in range(replicas)]
        self.nginx = NginxProcess(self.workdir, [r.port for r in self.replicas])

    @property
    def url(self) -> str:
        return self.nginx.url

    def start(self) -> LocalCluster:
        try:
            self.redis.start()
            env = {"HUSHSCRIBE_REDIS_URL": self.redis.url, "HUSHSCRIBE_TOKEN_SECRET": self.token_secret}
            for r in self.replicas:
                r.env = env
                r.start()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> list[int | None]:
        """Stops nginx, then each replica (SIGTERM: graceful drain), then Redis; the replicas' exit codes."""
        self.nginx.stop()
        codes = [r.stop() for r in self.replicas]
        self.redis.stop()
        return codes
