"""Load shapes wrk cannot make, for benches/pressure.sh.

    pressure.py slow HOST PORT N SECONDS        N connections trickling a request head, 1 byte / 500 ms
    pressure.py open HOST PORT RATE SECONDS SQL  open-loop POST /sql at RATE requests/s
"""

import asyncio
import sys
import time


async def slow(host, port, n, seconds):
    head = b"GET /json HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 1000

    async def trickle():
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            return
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end:
            writer.write(head[i % len(head):i % len(head) + 1])
            i += 1
            try:
                await writer.drain()
            except OSError:
                return
            await asyncio.sleep(0.5)
        writer.close()

    await asyncio.gather(*(trickle() for _ in range(n)))


async def open_loop(host, port, rate, seconds, sql):
    body = sql.encode()
    request = (b"POST /sql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nConnection: close\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
    statuses, latencies, retry_after = {}, [], 0

    async def one():
        nonlocal retry_after
        sent = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            answer = await reader.read()
            writer.close()
        except OSError:
            statuses["error"] = statuses.get("error", 0) + 1
            return
        status = answer[9:12].decode()
        statuses[status] = statuses.get(status, 0) + 1
        if status == "200":
            latencies.append(time.monotonic() - sent)
        elif b"\r\nretry-after: 1\r\n" in answer.lower():
            retry_after += 1

    tasks, start = [], time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    print(f"| answers | {dict(sorted(statuses.items()))} |")
    print(f"| 503 with Retry-After | {retry_after} |")
    print(f"| p50 / p99 of the 200s | {p(0.5):.1f} ms / {p(0.99):.1f} ms |")


if __name__ == "__main__":
    kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "slow":
        asyncio.run(slow(host, port, int(sys.argv[4]), float(sys.argv[5])))
    else:
        asyncio.run(open_loop(host, port, float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]))
