"""``mybigmovie serve``: the whole site — web, projections, worker and scheduler — in one command."""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys

from mybigmovie.bootstrap import Services
from mybigmovie.cli_catalog import seed_if_empty
from mybigmovie.cli_log import migrate
from mybigmovie.cli_web import listening_socket, serve_web
from mybigmovie.mailbox import local_mailbox

_PR_SET_PDEATHSIG = 1  # prctl(2)
# Background processes started beside the web server.
_COMPANIONS = {"worker": ["-m", "workers.run_worker"], "scheduler": ["-m", "workers.scheduler"]}


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve the site (web, worker and scheduler)")
    parser.add_argument("--no-workers", action="store_true", help="serve the web only")
    parser.set_defaults(handler=run_serve)


async def run_serve(args, services: Services) -> int:
    await seed_if_empty(services)  # a fresh site opens full of real titles
    await migrate(services)  # accounts recorded before personal data was sealed (a no-op once done)
    settings = services.settings
    with contextlib.ExitStack() as stack:
        if "SMTP_HOST" not in os.environ:
            if mailbox := stack.enter_context(local_mailbox(settings.var_dir / "mail", settings.smtp_port)):
                print(f"E-mails are kept in {mailbox} (set SMTP_HOST to send them for real)", flush=True)
            else:
                print(f"Port {settings.smtp_port} is taken: e-mails go to whatever SMTP server listens there",
                      flush=True)
        if not args.no_workers:
            for name, argv in _COMPANIONS.items():
                stack.enter_context(_companion(name, argv, services.client_url))
        sock = None
        if settings.web_processes > 1:  # the others accept on the same socket, bound here first
            sock = stack.enter_context(listening_socket(settings))
            for number in range(2, settings.web_processes + 1):
                stack.enter_context(_companion(f"web process {number}", ["-m", "mybigmovie.cli", "web", "--fd",
                                                                        str(sock.fileno())], services.client_url,
                                               pass_fds=(sock.fileno(),)))
        print(f"MyBigMovie is serving at {settings.site_url} with {settings.web_processes} web process(es)"
              f"  (Ctrl+C stops it)", flush=True)
        await serve_web(services, settings, sock)
    return 0


@contextlib.contextmanager
def _companion(name: str, argv: list[str], mongodb_url: str, pass_fds: tuple[int, ...] = ()):
    # One BLAS thread: on a small machine, threads fight the web server for the cores (measured).
    env = {"OPENBLAS_NUM_THREADS": "1", **os.environ, "MONGODB_URL": mongodb_url}
    process = subprocess.Popen([sys.executable, *argv], env=env, pass_fds=pass_fds, preexec_fn=_die_with_parent)
    print(f"started the {name} (pid {process.pid})", flush=True)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _die_with_parent() -> None:
    """In the child, before it starts: be sent SIGTERM when this process dies, however it dies (even
    killed with -9), so no web process or worker is left serving without its parent (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
