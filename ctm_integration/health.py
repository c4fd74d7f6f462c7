"""`/healthz` (the process is up) and `/readyz` (it can serve: database, broker, migrations) for load
balancers and orchestrators.

They are answered by the first middleware, before anything else runs: no host check (a probe names
the machine's address, which is rarely in ALLOWED_HOSTS), no HTTPS redirect (probes speak plain
HTTP), no session, CSRF, authentication, lockout or rate limit. `/healthz` touches nothing;
`/readyz` answers 200 when every check passes, else 503 naming the check that failed.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from ctm_integration.readiness import readiness

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def liveness_answer() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readiness_answer() -> JsonResponse:
    result = readiness()
    if result.ready:
        return JsonResponse({"status": "ok", "checks": result.checks})
    return JsonResponse({"status": "unavailable", "checks": result.checks}, status=503)


ANSWERS: dict[str, Callable[[], JsonResponse]] = {LIVENESS_PATH: liveness_answer, READINESS_PATH: readiness_answer}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = ANSWERS.get(request.path_info.rstrip("/") or "/")
        if answer is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = answer()
        response["Cache-Control"] = "no-store"
        if request.method == "HEAD":
            response.content = b""
        return response
