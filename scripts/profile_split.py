"""CPU per GetContribution call of each process, from `perf script -F comm,pid` on standard
input (one line per sample of a system-wide `perf record -F HZ -a`, taken over SECONDS while the
bench ran GetContribution at 64 clients).

    perf script -F comm,pid | python3 profile_split.py BENCH_JSON SERVER_PID BENCH_PID HZ SECONDS
"""

import collections
import json
import sys


def main() -> None:
    bench_json, server, bench, hz, seconds = sys.argv[1:6]
    hz, seconds = float(hz), float(seconds)
    figures = json.load(open(bench_json))["figures"]
    get = next(f for f in figures if f["name"] == "GetContribution, 64 clients: rate")
    rate = get["value"]
    parts: collections.Counter[str] = collections.Counter()
    for line in sys.stdin:
        fields = line.rsplit(None, 1)
        if len(fields) < 2:
            continue
        comm, pid = fields[0].strip(), fields[1]
        if pid == server:
            parts["server"] += 1
        elif pid == bench:
            parts["bench client"] += 1
        elif comm.startswith("postgres"):
            parts["PostgreSQL"] += 1
        elif comm != "swapper":
            parts["other processes"] += 1
    calls = rate * seconds
    print(f"GetContribution at 64 clients: {rate:,.0f} call/s; pgbench -S {get['limit']:,.0f}")
    print("CPU per call, ms (samples / HZ / calls in the window):")
    for part in ["server", "PostgreSQL", "bench client", "other processes"]:
        print(f"  {part:16} {parts[part] / hz / calls * 1000:.3f}")


if __name__ == "__main__":
    main()
