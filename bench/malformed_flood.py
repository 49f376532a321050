"""What a flood of malformed packets costs the server's log, rerunnable.

Starts Shiftdesk (`run.py serve`, a fresh SQLite file in a temp dir, default
limits) and has N raw websockets send malformed Socket.IO packets as fast as
they can for a few seconds, each opening a new connection whenever the
server closes its own (as an attacker would, within `connects_per_minute`).
Prints how much the server's log grew, its tracebacks, and how many
connections the server closed.

    .venv/bin/python bench/malformed_flood.py                 # 5 sockets, 3 s
    .venv/bin/python bench/malformed_flood.py --sockets 10 --seconds 5
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.rawclients import visitor_socket  # noqa: E402
from tests.serverproc import ServerProcess, cli  # noqa: E402

JUNK = '42/visitor,1["chat:history",{"chat_id":'


async def attacker(url: str, until: float) -> dict:
    sent = connections = refused = 0
    while time.monotonic() < until:
        try:
            ws = await visitor_socket(url, "bench")
        except (ConnectionError, OSError):
            refused += 1  # e.g. connects_per_minute: wait a little, as a real attacker would
            await asyncio.sleep(0.2)
            continue
        connections += 1
        try:
            while time.monotonic() < until:
                await ws.send(JUNK)
                sent += 1
                if ws.writer.transport.is_closing() or ws.reader.at_eof():
                    break
                if sent % 50 == 0:
                    await asyncio.sleep(0)  # let the reader notice a close
        except (ConnectionError, OSError):
            pass
        ws.abort()
    return {"sent": sent, "connections": connections, "refused": refused}


async def run(url: str, sockets: int, seconds: float) -> list[dict]:
    until = time.monotonic() + seconds
    return await asyncio.gather(*(attacker(url, until) for _ in range(sockets)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database, log = f"sqlite:///{tmp}/bench.db", Path(tmp) / "server.log"
        cli("site", "add", "bench", database=database)
        server = ServerProcess(database, log=log).start()
        try:
            before = log.stat().st_size
            results = asyncio.run(run(server.url, args.sockets, args.seconds))
            time.sleep(1.0)
            grown = log.read_text(errors="replace")[before:]
        finally:
            server.stop()
    print(json.dumps({
        "sockets": args.sockets, "seconds": args.seconds,
        "packets_sent": sum(r["sent"] for r in results),
        "connections": sum(r["connections"] for r in results),
        "log_growth_bytes": len(grown.encode()), "log_lines": grown.count("\n"),
        "tracebacks": grown.count("Traceback"),
    }, indent=2))


if __name__ == "__main__":
    main()
