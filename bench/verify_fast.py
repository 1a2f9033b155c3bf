"""A prototype of the faster, still streamed, `flask audit verify` that
BENCHMARKS.md proposes (the app's services/audit.py and audit_chain.py are
not changed here): the same canonical bytes and the same SHA-256, with

* one streamed query (a server-side cursor on PostgreSQL) returning plain
  tuples instead of re-querying per batch and reading Row attributes;
* `at` read as a naive UTC datetime and formatted once, without the
  UTCDateTime decorator's per-row replace();
* the payload read as JSON text and parsed by the verifier;
* one JSONEncoder built once (json.dumps with non-default options builds
  a new encoder for every event);
* the hashes of a batch computed by worker processes while the parent
  fetches the next one and checks the links (seq and prev_hash) in order:
  an event's hash depends only on its own fields, so hashing is parallel
  and only the link check is sequential.

    python -m bench.verify_fast [--workers 2]
"""

import argparse
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import create_engine, text

from awards_app.audit_chain import GENESIS
from bench import dataset

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_KEYS = ("seq", "at", "actor_id", "actor", "action", "object_type", "object_id", "cycle_id", "payload",
         "prev_hash")
BATCH = 5_000


def _hash_batch(rows):
    """Index of the first event of the batch whose hash does not match, or -1."""
    encode, sha256 = _ENCODER.encode, hashlib.sha256
    for i, (seq, at, actor_id, actor, action, object_type, object_id, cycle_id, payload, prev_hash,
            stored) in enumerate(rows):
        body = {"seq": seq, "at": at.isoformat(timespec="microseconds") + "+00:00", "actor_id": actor_id,
                "actor": actor, "action": action, "object_type": object_type, "object_id": object_id,
                "cycle_id": cycle_id, "payload": json.loads(payload) if isinstance(payload, str) else payload,
                "prev_hash": prev_hash}
        if sha256(encode(body).encode()).hexdigest() != stored:
            return i
    return -1


def verify(url: str, workers: int = 2):
    engine = create_engine(url)
    payload = "payload::text" if engine.dialect.name == "postgresql" else "payload"
    sql = text(f"SELECT seq, at, actor_id, actor, action, object_type, object_id, cycle_id, {payload}, "  # noqa: S608
               "prev_hash, hash FROM audit_event ORDER BY seq")
    prev, expected, count = GENESIS, 1, 0
    pending = []
    with engine.connect().execution_options(stream_results=True, yield_per=BATCH) as conn, \
            ProcessPoolExecutor(workers) if workers > 1 else _Inline() as pool:
        result = conn.execute(sql)
        while True:
            rows = result.fetchmany(BATCH)
            if not rows:
                break
            rows = [tuple(r) for r in rows]
            for seq, *_middle, prev_hash, stored in rows:  # the links, in order
                if seq != expected or prev_hash != prev:
                    return False, count, f"event seq {seq}: link broken"
                prev, expected, count = stored, expected + 1, count + 1
            pending.append((rows[0][0], pool.submit(_hash_batch, rows)))
            while len(pending) > workers:
                first_seq, future = pending.pop(0)
                if (bad := future.result()) >= 0:
                    return False, count, f"event seq {first_seq + bad}: hash does not match its content"
        for first_seq, future in pending:
            if (bad := future.result()) >= 0:
                return False, count, f"event seq {first_seq + bad}: hash does not match its content"
    engine.dispose()
    return True, count, prev


class _Inline:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        class Done:
            def __init__(self, value):
                self.value = value

            def result(self):
                return self.value
        return Done(fn(*args))


def measure(url: str | None = None, workers: int = 2) -> dict:
    import resource

    start, cpu = time.perf_counter(), time.process_time()
    ok, count, head = verify(url or dataset.bench_url(), workers)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"ok": ok, "events": count, "seconds": seconds, "events_per_second": count / seconds,
            "workers": workers, "parent_cpu_seconds": time.process_time() - cpu,
            "peak_rss_mb_parent": rss, "peak_rss_mb_worker": children, "head_or_problem": head,
            "pid": os.getpid()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(measure(workers=args.workers), indent=1))


if __name__ == "__main__":
    main()
