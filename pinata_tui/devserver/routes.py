"""The request handler: routing, credentials, JSON helpers, status faults, and each route."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from pinata_tui.devserver.content import messages_problem
from pinata_tui.devserver.faults import Fault, StreamStyle
from pinata_tui.devserver.plan import cost_micro, plan_reply
from pinata_tui.devserver.state import MICRO, ServerState
from pinata_tui.devserver.streaming import stream_reply

if TYPE_CHECKING:
    from pinata_tui.devserver.server import PinataDevServer

_INVALID = object()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PinataDevServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing

    @property
    def state(self) -> ServerState:
        return self.server.state

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _INVALID

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(data).encode(), "application/json", headers)

    def _send_raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, **extra: Any) -> None:
        self._send_json(status, {"error": {"message": message, **extra}})

    def _bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else None

    def _record(self, body: Any, authorised: bool) -> None:
        with self.state.lock:
            self.state.requests.append(
                {"method": self.command, "path": self.path, "authorised": authorised,
                 "body": body if body is not _INVALID else None, "time": time.time()}
            )

    def _apply_fault(self, fault: Fault | None) -> bool:
        """Answer with the fault's status if it has one. True when the request is done."""
        if fault is not None and fault.delay:
            self.server.stopping.wait(fault.delay)
        if fault is None or fault.status is None:
            return False
        with self.state.lock:
            available = self.state.balance_micro - self.state.loaned_micro
        status, body, content_type, headers = fault.response(available)
        self._send_raw(status, body, content_type, headers)
        return True

    # --- routing

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_json() if method in ("POST", "PUT") else None
        routes = {
            ("GET", "/v0/llm/models"): self._models,
            ("POST", "/v0/llm/chat/completions"): self._chat,
            ("POST", "/v0/llm/enable"): self._enable,
            ("GET", "/v0/llm/status"): self._status,
            ("DELETE", "/v0/llm/disable"): self._disable,
            ("GET", "/v0/credits/balance"): self._balance,
            ("GET", "/v0/credits/topup/config"): self._topup_get,
            ("PUT", "/v0/credits/topup/config"): self._topup_put,
            ("POST", "/_dev/faults"): self._dev_faults,
            ("POST", "/_dev/state"): self._dev_state,
            ("GET", "/_dev/requests"): self._dev_requests,
        }
        handler = routes.get((method, path))
        if handler is None:
            self._record(body, False)
            known_path = any(p == path for _, p in routes)
            self._error(405 if known_path else 404, f"No route for {method} {path}")
            return
        try:
            handler(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- public catalog

    def _models(self, body: Any) -> None:
        self._record(body, True)
        if self._apply_fault(self.state.take_fault("models")):
            return
        self._send_json(200, self.state.catalog)

    # --- JWT routes

    def _jwt_ok(self, body: Any) -> bool:
        ok = self._bearer() == self.state.jwt
        self._record(body, ok)
        if self._apply_fault(self.state.take_fault("jwt")):
            return False
        if not ok:
            self._error(401, "Unauthorized: a valid Pinata JWT is required")
        return ok

    def _enable(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        key = "pk-dev-" + secrets.token_hex(16)
        with self.state.lock:
            self.state.llm_keys = {key}
            self.state.enabled = True
            self.state.created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self._send_json(200, {"success": True, "privateKey": key})

    def _status(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            data: dict[str, Any] = {"enabled": self.state.enabled}
            if self.state.enabled:
                data["createdAt"] = self.state.created_at
        self._send_json(200, data)

    def _disable(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            self.state.llm_keys = set()
            self.state.enabled = False
        self._send_json(200, {"success": True})

    def _balance(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            total = self.state.balance_micro / MICRO
            loaned = self.state.loaned_micro / MICRO
        self._send_json(200, {"total": total, "loaned": loaned, "available": round(total - loaned, 6)})

    def _topup_get(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        self._send_json(200, {"threshold": self.state.topup_threshold, "amount": self.state.topup_amount})

    def _topup_put(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        if not isinstance(body, dict):
            self._error(400, "Expected a JSON object with threshold and amount")
            return
        threshold, amount = body.get("threshold"), body.get("amount")
        if threshold is not None and (not isinstance(threshold, (int, float)) or isinstance(threshold, bool)
                                      or threshold < 5):
            self._error(400, "threshold must be at least 5, or null")
            return
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0):
            self._error(400, "amount must be a positive integer, or null")
            return
        with self.state.lock:
            self.state.topup_threshold, self.state.topup_amount = threshold, amount
        self._send_json(200, {"threshold": threshold, "amount": amount})

    # --- chat

    def _chat(self, body: Any) -> None:
        key = self._bearer()
        with self.state.lock:
            authorised = key is not None and key in self.state.llm_keys
        self._record(body, authorised)
        fault = self.state.take_fault("chat")
        if self._apply_fault(fault):
            return
        if not authorised:
            self._error(401, "Invalid or missing API key" if key != self.state.jwt
                        else "The JWT cannot authenticate chat completions; use your inference key")
            return
        if body is _INVALID or not isinstance(body, dict):
            self._error(400, "Request body must be a JSON object")
            return
        model = body.get("model")
        messages = body.get("messages")
        prices = next((m for m in self.state.catalog if m["model_id"] == model), None)
        if not isinstance(model, str) or prices is None:
            self._error(400, f"Unknown model: {model!r}")
            return
        if not isinstance(messages, list) or not messages:
            self._error(400, "messages must be a non-empty array")
            return
        problem = messages_problem(messages, model, self.state.text_only_models)
        if problem is not None:
            self._error(400, problem, type="invalid_request_error")
            return
        with self.state.lock:
            available = self.state.balance_micro - self.state.loaned_micro
        if available <= 0:
            self._error(402, "Insufficient credits", availableMicrocredits=max(0, available))
            return

        reply = plan_reply(self.state, body, model, messages, fault)
        cached = reply.cached_tokens or 0
        hold = cost_micro(prices, reply.prompt_tokens, reply.completion_tokens, cached)
        with self.state.lock:
            self.state.loaned_micro += hold
        sent = 0
        try:
            if body.get("stream"):
                sent = stream_reply(self, self.state, self.server.stopping, reply, fault, key or "",
                                    self._completion_id())
            else:
                sent = reply.completion_tokens
                self._send_json(200, reply.completion(self._completion_id(), int(time.time())))
        finally:
            with self.state.lock:
                self.state.loaned_micro -= hold
                self.state.balance_micro = max(
                    0, self.state.balance_micro - cost_micro(prices, reply.prompt_tokens, sent, cached))

    def _completion_id(self) -> str:
        with self.state.lock:
            n = len(self.state.requests)
        return f"chatcmpl-dev{n:06d}"

    # --- dev-only controls (unauthenticated: loopback only)

    def _dev_faults(self, body: Any) -> None:
        self._record(body, True)
        items = body if isinstance(body, list) else [body]
        try:
            faults = [Fault.from_json(item) for item in items if isinstance(item, dict)]
        except (TypeError, ValueError) as exc:
            self._error(400, f"Bad fault: {exc}")
            return
        for fault in faults:
            self.state.add_fault(fault)
        self._send_json(200, {"queued": len(self.state.faults)})

    def _dev_state(self, body: Any) -> None:
        self._record(body, True)
        if not isinstance(body, dict):
            self._error(400, "Expected a JSON object")
            return
        with self.state.lock:
            for name in ("reply_tokens", "tokens_per_second", "balance_micro", "enabled", "reply_override"):
                if name in body:
                    setattr(self.state, name, body[name])
            if isinstance(body.get("style"), dict):
                self.state.style = StreamStyle(**body["style"])
        self._send_json(200, {"ok": True})

    def _dev_requests(self, body: Any) -> None:
        with self.state.lock:
            data = list(self.state.requests)
        self._send_json(200, data)
