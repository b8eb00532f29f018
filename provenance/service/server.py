"""Running the service: uvicorn, in this process or in worker processes.

The app is built by :func:`~provenance.service.app.create_app` from a home and
settings passed as objects, never through the environment. With several workers
this process binds the socket once and starts each worker with the same home,
settings and socket (multiprocessing's spawn pickles them), restarting any worker
that dies; Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import errno
import multiprocessing
import signal
import socket
from functools import partial
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from provenance.config import Home
from provenance.errors import UsageError
from provenance.service.settings import ServiceSettings

LOG_LEVEL = "warning"


def _config(home: Home, settings: ServiceSettings, host: str, port: int) -> object:
    import uvicorn

    from provenance.service.app import create_app

    return uvicorn.Config(
        partial(create_app, home, settings),
        factory=True,
        host=host,
        port=port,
        log_level=LOG_LEVEL,
        timeout_graceful_shutdown=10,
    )


def check_port(host: str, port: int) -> None:
    """Fail in one line, before any banner, when ``host:port`` cannot be bound (as uvicorn
    binds it: SO_REUSEADDR, so only a live listener counts as in use), rather than after
    uvicorn has started and logged its own error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = f"port {port} is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise UsageError(
                f"cannot listen on {host}:{port}: {reason}", hint="Choose another --port or --host."
            ) from exc


def _worker(home: Home, settings: ServiceSettings, host: str, port: int, sock: socket.socket) -> None:
    import uvicorn

    config = _config(home, settings, host, port)
    assert isinstance(config, uvicorn.Config)
    uvicorn.Server(config).run(sockets=[sock])


def serve(home: Home, settings: ServiceSettings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted: in this process, or in ``workers`` processes."""
    import uvicorn

    config = _config(home, settings, host, port)
    assert isinstance(config, uvicorn.Config)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    context = multiprocessing.get_context("spawn")

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(home, settings, host, port, sock), daemon=False)
        process.start()
        return process

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    processes = [start() for _ in range(workers)]
    try:
        while True:
            wait([p.sentinel for p in processes])
            processes = [p if p.is_alive() else start() for p in processes]
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=15)
        sock.close()
