#!/usr/bin/env python3
"""A drover remote worker written from docs/protocol.md alone, in Python with
the standard library only (it speaks WebSocket by hand: RFC 6455 client
framing). It runs one job at a time.

    DROVER_SECRET=... python3 drover_worker.py ws://127.0.0.1:7400/v1/workers/ws add echo

Tasks: add(a, b) -> a + b; echo(*args) -> args; boom() raises. A job for a
task this worker lacks fails at once (UnknownTaskError, retry false).
SIGTERM: finish the running job, then close with code 1000.
"""
import base64, hashlib, hmac, json, os, random, select, signal, socket, struct, sys, time
from urllib.parse import urlparse

TASKS = {
    "add": lambda a, b: a + b,
    "echo": lambda *args: list(args),
    "boom": lambda: (_ for _ in ()).throw(RuntimeError("boom")),
}


class WebSocket:
    """The client side of RFC 6455: text frames, masked, no extensions."""

    def __init__(self, url):
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed during the upgrade")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"upgrade refused: {status.decode()}")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if accept not in head:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.buffer = b""
        self.close_code = None

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, message):
        self._frame(0x1, json.dumps(message, separators=(",", ":")).encode())

    def close(self, code=1000):
        try:
            self._frame(0x8, struct.pack(">H", code))
            self.sock.settimeout(2)
            while self.recv(2) is not None:
                pass
        except OSError:
            pass
        self.sock.close()

    def _read(self, n, deadline):
        while len(self.buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("socket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def recv(self, timeout):
        """The next text message as a dict, None on timeout; raises once the server closed."""
        deadline = time.monotonic() + timeout
        message = b""
        while True:
            head = self._read(2, deadline)
            if head is None:
                return None
            fin, opcode, n = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2, deadline + 5))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8, deadline + 5))[0]
            payload = self._read(n, deadline + 5) if n else b""
            if opcode == 0x8:
                self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise ConnectionError(f"closed by the server ({self.close_code})")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x1, 0x0):
                message += payload
                if fin:
                    return json.loads(message.decode("utf-8"))


def proof(secret, role, worker_id, nonce, client_nonce):
    text = f"drover/1|{role}|{worker_id}|{nonce}|{client_nonce}"
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def backoff(options, attempt):
    b = options["backoff"]
    delay = b["delay"] if b["type"] == "fixed" else b["delay"] * 2 ** (attempt - 1)
    delay = min(delay, b["max"])
    return int(random.uniform(0, delay)) if b.get("jitter", True) is not False else int(delay)


def serve(url, secret, queues, stopping):
    ws = WebSocket(url)
    ws.send({"type": "hello", "protocol": 1, "name": f"python:{os.getpid()}", "tasks": queues, "concurrency": 1})
    challenge = ws.recv(10)
    if not challenge or challenge.get("type") != "challenge":
        raise SystemExit(f"expected a challenge, got {challenge}")
    client_nonce = base64.b64encode(os.urandom(32)).decode()
    worker_id, nonce = challenge["workerId"], challenge["nonce"]
    ws.send({"type": "auth", "workerId": worker_id, "clientNonce": client_nonce,
             "proof": proof(secret, "worker", worker_id, nonce, client_nonce)})
    welcome = ws.recv(10)
    if not welcome or welcome.get("type") != "welcome":
        raise SystemExit(f"auth failed: {welcome}")
    if not hmac.compare_digest(welcome["serverProof"], proof(secret, "server", worker_id, nonce, client_nonce)):
        raise SystemExit("the server could not prove the secret; stopping")
    print(f"ready as {worker_id}", flush=True)
    heartbeat = welcome["heartbeatMs"] / 1000
    next_ping = time.monotonic() + heartbeat
    while not stopping["now"]:
        message = ws.recv(max(0.01, min(0.2, next_ping - time.monotonic())))
        if time.monotonic() >= next_ping:
            ws.send({"type": "ping", "t": int(time.time() * 1000)})
            next_ping = time.monotonic() + heartbeat
        if not message or message["type"] != "job":
            continue
        job_id, lease, options = message["id"], message["lease"], message["options"]
        handler = TASKS.get(message["task"])
        if handler is None:
            error = {"name": "UnknownTaskError", "message": f"no handler for {message['task']}", "code": "ERR_DROVER_UNKNOWN_TASK"}
            ws.send({"type": "fail", "id": job_id, "lease": lease, "error": error, "retry": False})
            continue
        try:
            result = handler(*message["args"])
        except Exception as e:  # the handler's own failure: retried as the job's options allow
            retry = message["attempt"] <= options["retries"]
            ws.send({"type": "fail", "id": job_id, "lease": lease, "retry": retry,
                     "error": {"name": type(e).__name__, "message": str(e)}, "delayMs": backoff(options, message["attempt"])})
            continue
        ws.send({"type": "done", "id": job_id, "lease": lease, "result": result})
    ws.close(1000)


def main():
    url, queues = sys.argv[1], sys.argv[2:] or ["add"]
    secret = os.environ.get("DROVER_SECRET", "").strip()
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    attempt = 0
    while not stopping["now"]:
        try:
            serve(url, secret, queues, stopping)
            attempt = 0
        except (ConnectionError, OSError) as e:
            print(f"lost the server: {e}", file=sys.stderr, flush=True)
            if "4401" in str(e):
                raise SystemExit(1)
            attempt += 1
            time.sleep(random.uniform(0, min(30, 0.25 * 2 ** attempt)))


if __name__ == "__main__":
    main()
