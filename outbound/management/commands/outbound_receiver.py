"""A local receiver for trying outbound webhooks: prints every request it gets and, given the
webhook's signing secret, whether its Standard Webhooks signature verifies (with the
`standardwebhooks` library, as any receiver would). For demos and debugging, never production."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Command(BaseCommand):
    help = "Print the outbound webhook requests that arrive on a local port, and check their signatures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=9000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--secret", default="", help="The webhook's whsec_ signing secret, to verify with")
        parser.add_argument("--status", type=int, default=200, help="What to answer (e.g. 500 or 410 to try retries)")

    def handle(self, *args, port: int, host: str, secret: str, status: int, **options) -> None:
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                out.write(f"\n{self.command} {self.path}")
                for name, value in self.headers.items():
                    shown = "[hidden]" if name.lower() in ("authorization", "x-api-key") else value
                    out.write(f"  {name}: {shown}")
                try:
                    out.write(json.dumps(json.loads(body), indent=2) if body else "(no body)")
                except ValueError:
                    out.write(body.decode("utf-8", errors="replace"))
                if secret:
                    try:
                        Webhook(secret).verify(body, dict(self.headers.items()), json_parse=False)
                        out.write("signature: verified (standardwebhooks)")
                    except WebhookVerificationError as exc:
                        out.write(f"signature: NOT verified ({exc})")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = _serve

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        self.stdout.write(f"Receiving on http://{host}:{port}/ (answering {status}); Ctrl-C stops.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
