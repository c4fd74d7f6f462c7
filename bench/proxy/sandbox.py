"""The project's CTM sandbox (integrations/providers/ctm/sandbox) served for bench/proxy, in a process of
its own, counting the TCP connections it accepts: `GET /_bench/connections` answers the count, so the
bench can tell whether our CTM client keeps its connections alive.

Run: `python bench/proxy/sandbox.py --port N` (prints one line, the API base URL, when it listens).
"""

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import prepare_environment

prepare_environment()
import django  # noqa: E402

django.setup()  # the sandbox shares CTM's mapping tables with the project (its models import settings)
from integrations.providers.ctm.sandbox.server import CtmSandbox, SandboxServer  # noqa: E402


class CountingSandboxServer(SandboxServer):
    connections = 0

    def process_request(self, request, client_address) -> None:
        self.connections += 1  # called by the one serving thread only
        super().process_request(request, client_address)


class BenchSandbox(CtmSandbox):
    server: CountingSandboxServer

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict]:
        if raw_path == "/_bench/connections":
            return 200, {"connections": self.server.connections}, {}
        if raw_path == "/_bench/forget":  # the sandbox keeps every request it saw: not for 10,000s of them
            self.reset()
            return 200, {"status": "ok"}, {}
        return super().handle(method, raw_path, headers, body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    sandbox = BenchSandbox(seed=1)
    server = CountingSandboxServer(sandbox, port=args.port)
    sandbox.server = server
    print(server.api_base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
