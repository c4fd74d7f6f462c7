"""The bench's receivers: N local HTTP servers (one per target) in a process of their own, answering
200 at once, except the hung ones, which never answer in time. Each arrival is kept with its time and
`webhook-id`; GET /_arrivals on any port answers them all (and forgets them).

Run by bench/outbound; prints its ports as one JSON line, then serves until killed."""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARRIVALS: list[tuple[str, int, float]] = []
LOCK = threading.Lock()


def handler(port_index: int, hung: bool):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:
            with LOCK:
                body = json.dumps(ARRIVALS).encode()
                ARRIVALS.clear()
            self._answer(body)

        def do_POST(self) -> None:
            arrived = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with LOCK:
                ARRIVALS.append((self.headers.get("webhook-id", ""), port_index, arrived))
            if hung:
                time.sleep(3600)
            self._answer(b'{"ok":true}')

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--hung", type=int, nargs="*", default=[], help="indexes of targets that never answer")
    args = parser.parse_args()
    ports = []
    for index in range(args.count):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(index, index in args.hung))
        server.daemon_threads = True
        server.request_queue_size = 128
        ports.append(server.server_address[1])
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps(ports), flush=True)
    sys.stdin.read()  # until the bench closes our stdin (or kills us)


if __name__ == "__main__":
    main()
