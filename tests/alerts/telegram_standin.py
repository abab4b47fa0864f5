"""A local stand-in of the Telegram Bot API: speaks the methods python-telegram-bot calls for alerts
and records every call. It can answer with errors or stall, to test retries."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]


@dataclass
class BotApiStandIn:
    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[str, float]] = field(
        default_factory=list
    )  # ("status500" | "status400", 0) or ("stall", seconds)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_message_id: int = 100
    url: str = ""

    def fail_next(self, count: int, *, mode: str = "status500", seconds: float = 0) -> None:
        with self.lock:
            self.failures.extend([(mode, seconds)] * count)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Calls that got a successful answer."""
        with self.lock:
            return [call.params for call in self.calls if call.method == method and call.params.get("_ok")]

    def answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            failure = self.failures.pop(0) if self.failures and method != "getMe" else None
            call = Call(token=token, method=method, params=params)
            self.calls.append(call)
        if failure and failure[0] == "stall":
            time.sleep(failure[1])
            return 200, {"ok": True, "result": True}  # too late: the client has given up
        if failure and failure[0] == "status400":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if failure:
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if method in ("sendMessage", "editMessageText") and len(str(params.get("text", ""))) > MAX_TEXT_LENGTH:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        call.params["_ok"] = True
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "payproc", "username": "pp_bot"}}
        if method == "sendMessage":
            with self.lock:
                self.next_message_id += 1
                message_id = self.next_message_id
            call.params["_message_id"] = message_id
            return 200, {"ok": True, "result": self._message(message_id, params)}
        if method == "editMessageText":
            return 200, {"ok": True, "result": self._message(int(params["message_id"]), params)}
        if method == "answerCallbackQuery":
            return 200, {"ok": True, "result": True}
        if method == "setWebhook":
            if not str(params.get("url", "")).startswith("https://"):
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook",
                }
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    @staticmethod
    def _message(message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = str(params["chat_id"])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "group", "title": "on-call"},
            "text": params.get("text", ""),
        }


MAX_TEXT_LENGTH = 4096  # the Bot API refuses longer texts


def serve(standin: BotApiStandIn) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            _, _, rest = self.path.partition("/bot")
            token, _, method = rest.partition("/")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(body or "{}")
            else:
                params = {key: values[-1] for key, values in parse_qs(body).items()}
            for key in ("reply_markup",):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            status, payload = standin.answer(token, method, params)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out (a stall)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin.url = f"http://127.0.0.1:{server.server_address[1]}/bot"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
