"""A load generator in its own process: keep-alive HTTP/1.1 connections from threads.

closed loop:  python bench/ingest/load.py URL --requests-file F --concurrency 32 --duration 10
open loop:    ... --rate 300   (paced sends, latency measured from the planned send time)
Prints one JSON line: sent, ok, errors, seconds, rate, p50_ms, p99_ms.
"""

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests-file", required=True, help="JSON lines: {path, headers, body}")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: requests per second overall")
    parser.add_argument("--acks", help="write `<delivery id> <unix time acknowledged>` lines here")
    args = parser.parse_args()

    with open(args.requests_file) as handle:
        prepared = [json.loads(line) for line in handle]
    target = urlsplit(args.url)
    lock = threading.Lock()
    cursor = iter(range(len(prepared)))
    latencies: list[float] = []
    errors = [0]
    acked: list[str] = []
    start = time.perf_counter()
    deadline = start + args.duration
    interval = args.concurrency / args.rate if args.rate else 0.0

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        planned = start + index * (interval / args.concurrency) if interval else 0.0
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            if interval:
                if planned > now:
                    time.sleep(planned - now)
                sent_at = planned
                planned += interval
            else:
                sent_at = now
            with lock:
                n = next(cursor, None)
            if n is None:
                break
            request = prepared[n]
            try:
                conn.request("POST", request["path"], body=request["body"].encode(), headers=request["headers"])
                response = conn.getresponse()
                answer = response.read()
                ok = response.status == 200
                if ok and args.acks:
                    acked.append(f"{json.loads(answer)['data']['delivery_id']} {time.time()}")
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            elapsed = (time.perf_counter() - sent_at) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if args.acks:
        with open(args.acks, "w") as handle:
            handle.write("\n".join(acked) + "\n")
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "sent": len(latencies) + errors[0],
                "ok": len(latencies),
                "errors": errors[0],
                "seconds": round(seconds, 2),
                "rate": round(len(latencies) / seconds, 1),
                "p50_ms": round(statistics.median(ordered), 2) if ordered else None,
                "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2) if ordered else None,
            }
        )
    )


if __name__ == "__main__":
    main()
