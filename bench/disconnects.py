"""The cost of many visitors leaving at once, in the Socket.IO manager alone:
python-socketio's stock `AsyncManager` against Shiftdesk's `DeskManager`
(server/realtime/roomindex.py), in alternating rounds of one run.

    .venv/bin/python bench/disconnects.py [--visitors 10000] [--rounds 3]

Each round connects N connections to `/visitor` in a fresh manager, each
in its own room and a `visitor:<n>` room (as Shiftdesk's visitors are),
then disconnects them all and reports the CPU time that took (process
time: what the event loop would be busy for). Only the manager is
measured: no sockets, no server, no handlers.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from server.realtime.roomindex import DeskManager  # noqa: E402


async def leaving(manager: socketio.AsyncManager, visitors: int) -> float:
    socketio.AsyncServer(client_manager=manager)
    sids = [await manager.connect(f"eio{n}", "/visitor") for n in range(visitors)]
    for n, sid in enumerate(sids):
        await manager.enter_room(sid, "/visitor", f"visitor:{n}")
    started = time.process_time()
    for sid in sids:
        await manager.disconnect(sid, "/visitor")
    took = time.process_time() - started
    assert not manager.rooms.get("/visitor"), "every room left"
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"stock": [], "indexed": []}
    for _ in range(args.rounds):
        for name, make in (("stock", socketio.AsyncManager), ("indexed", DeskManager)):
            times[name].append(asyncio.run(leaving(make(), args.visitors)))
            print(f"{name:8} {args.visitors} disconnects: {times[name][-1]:.3f} s CPU", flush=True)
    stock, indexed = (statistics.median(times[n]) for n in ("stock", "indexed"))
    print(f"median: stock {stock:.3f} s, indexed {indexed:.3f} s "
          f"({stock / indexed:.0f}x; {indexed / args.visitors * 1e6:.1f} µs per disconnect)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
