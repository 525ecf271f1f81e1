"""The loopback HTTP server (a thread per request) and the command line that runs it."""

from __future__ import annotations

import argparse
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from pinata_tui.devserver.routes import _Handler
from pinata_tui.devserver.state import DEV_JWT, DEV_LLM_KEY, MICRO, ServerState


class PinataDevServer(ThreadingHTTPServer):
    """The loopback server. ``start()`` serves from a daemon thread; ``url`` says where."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, state: ServerState | None = None,
                 verbose: bool = False) -> None:
        self.state = state or ServerState()
        self.verbose = verbose
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (resets, broken pipes) are normal here; report the rest."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) and not self.verbose:
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}"

    def start(self) -> PinataDevServer:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="pinata-devserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> PinataDevServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pinata_tui.devserver",
        description="Serve the Pinata Inference API on loopback, for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--reply-tokens", type=int, default=ServerState.reply_tokens)
    parser.add_argument("--rate", type=float, default=None, help="tokens per second (default: unlimited)")
    parser.add_argument("--balance", type=float, default=100.0, help="starting credits")
    parser.add_argument("--jwt", default=DEV_JWT)
    parser.add_argument("--key", default=DEV_LLM_KEY, help="the inference key accepted at start")
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    state = ServerState(jwt=args.jwt, llm_keys={args.key}, reply_tokens=args.reply_tokens,
                        tokens_per_second=args.rate, balance_micro=int(args.balance * MICRO))
    server = PinataDevServer(args.host, args.port, state=state, verbose=args.verbose)
    print(f"Pinata dev server at {server.url}", flush=True)
    print(f"  PINATA_BASE_URL={server.url} PINATA_LLM_KEY={args.key} PINATA_JWT={args.jwt}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()
    return 0
