from django.core.management.base import BaseCommand

from integrations.providers.ctm.sandbox.data import DEMO_LOGIN, DEMO_PASSWORD
from integrations.providers.ctm.sandbox.server import CtmSandbox, SandboxServer


class Command(BaseCommand):
    help = "Serve a local CTM API sandbox (deterministic data; no real CTM account needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--quiet", action="store_true", help="Do not print each request.")

    def handle(self, *args, **options) -> None:
        server = SandboxServer(
            CtmSandbox(seed=options["seed"]), host=options["host"], port=options["port"], verbose=not options["quiet"]
        )
        self.stdout.write(
            f"CTM sandbox on {server.api_base_url}\n"
            f"  point the service at it: CTM_API_BASE_URL={server.api_base_url}\n"
            f"  demo CTM login: {DEMO_LOGIN} / {DEMO_PASSWORD}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
