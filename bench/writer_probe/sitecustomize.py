"""A probe of the SQLite group commit's writer thread, for a server started
by a benchmark: it reaches the server through the environment (the benches
pass on every variable but SHIFTDESK_*, the server's own settings).

    SD_WRITER_PROBE=/tmp/probe.jsonl PYTHONPATH=bench/writer_probe \\
        .venv/bin/python bench/run.py browser --setups shiftdesk --rounds 1 --no-polling
    .venv/bin/python bench/writer_probe/report.py /tmp/probe.jsonl

Python imports `sitecustomize` at start-up from the path; with the variable
unset this module does nothing. Four times a second the server appends one
JSON line, {"batches": [[batch seconds, commit seconds, messages, jobs, WAL bytes], ...]
one per batch the writer thread wrote, timed in that thread around
`_ThreadBatches._write` and the dialect's `do_commit`; "sends": [seconds,
...] one per chat message, from `ChatService.send` being called to its
delivery done (stored, then the events to the other side queued)}. Not for
production.
"""
import os

if os.environ.get("SD_WRITER_PROBE"):
    import importlib.abc
    import importlib.util
    import json
    import sys
    import threading
    import time

    _OUT = os.environ["SD_WRITER_PROBE"]
    _batches: list = []
    _sends: list = []
    _local = threading.local()

    def _patch(writer) -> None:
        batches = writer._ThreadBatches
        write, init = batches._write, batches.__init__

        def timed_write(self, messages, jobs):
            _local.commit = 0.0
            start = time.perf_counter()
            outcomes = write(self, messages, jobs)
            wal = self._engine.url.database + "-wal"
            _batches.append((time.perf_counter() - start, _local.commit, len(messages), len(jobs),
                             os.path.getsize(wal) if os.path.exists(wal) else 0))
            return outcomes

        def timed_init(self, engine):
            init(self, engine)
            commit = engine.dialect.do_commit

            def timed_commit(connection):
                start = time.perf_counter()
                commit(connection)
                _local.commit = time.perf_counter() - start
            engine.dialect.do_commit = timed_commit

        batches._write, batches.__init__ = timed_write, timed_init

    def _patch_chats(chats) -> None:
        service = chats.ChatService
        send = service.send

        async def timed_send(self, *args, **kwargs):
            start = time.perf_counter()
            delivered = await send(self, *args, **kwargs)

            async def timed():
                message = await delivered
                _sends.append(time.perf_counter() - start)
                return message
            return timed()
        service.send = timed_send

    def _dump() -> None:
        while True:
            time.sleep(0.25)  # often: a bench may kill the server with SIGKILL
            if _batches or _sends:
                batches, sends = _batches[:], _sends[:]
                del _batches[:len(batches)], _sends[:len(sends)]
                with open(_OUT, "a") as out:
                    out.write(json.dumps({"batches": batches, "sends": sends}) + "\n")

    _PATCHES = {"server.store.writer": _patch, "server.services.chats": _patch_chats}

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            patch = _PATCHES.pop(name, None)
            if patch is None:
                return None
            if not _PATCHES:
                sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                patch(module)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())
    threading.Thread(target=_dump, daemon=True).start()
