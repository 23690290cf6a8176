"""The W1-W4 benchmark shapes written with Prefect 3, run against Prefect's own server.

Prints one JSON line of figures. Run by `npm run bench:prefect`, which installs Prefect into
bench/.venv and starts `prefect server` on loopback first.
"""
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

import httpx
from prefect import flow, task

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if SMOKE else "3"))
SIZE = {"w1": 3, "w2": 5, "w3": 20, "w4": 5} if SMOKE else {"w1": 20, "w2": 100, "w3": 1000, "w4": 200}


@task
def noop(i):
    return i


@task
async def anoop(i):
    return i


@flow
def one_task():
    return noop(1)


@flow
def chain(n: int):
    last = 0
    for i in range(n):
        last = noop(i)
    return last


@flow
def fan(n: int):
    return len(noop.map(range(n)).result())


@flow
async def ten():
    for i in range(10):
        await anoop(i)
    return 10


def w1(api: str) -> dict:
    """REST trigger -> completion: a served deployment, runs created over the REST API."""
    env = dict(os.environ, PREFECT_RUNNER_POLL_FREQUENCY="1")
    server = subprocess.Popen([sys.executable, __file__, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=api, timeout=30) as http:
            deployment = None
            deadline = time.time() + 120
            while deployment is None and time.time() < deadline:
                r = http.post("/deployments/filter", json={"deployments": {"name": {"any_": ["bench-one"]}}})
                found = r.json()
                deployment = found[0]["id"] if found else None
                time.sleep(0.5)
            if deployment is None:
                raise RuntimeError("the served deployment never appeared")
            latencies = []
            for _ in range(ROUNDS):
                for _ in range(SIZE["w1"]):
                    t0 = time.perf_counter()
                    run = http.post(f"/deployments/{deployment}/create_flow_run", json={}).json()
                    while True:
                        state = http.get(f"/flow_runs/{run['id']}").json()["state"]["type"]
                        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                            break
                        time.sleep(0.05)
                    latencies.append((time.perf_counter() - t0) * 1000)
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
            return {"w1_p50_ms": statistics.median(latencies), "w1_p99_ms": p99}
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(fn) -> list:
    out = []
    for _ in range(ROUNDS):
        out.append(fn())
    return out


def main() -> None:
    api = os.environ["PREFECT_API_URL"]
    results = {}
    chain(2)  # warm up: the first run pays for imports and the client
    per_step = measure(lambda: _timed(lambda: chain(SIZE["w2"])) / SIZE["w2"])
    results["w2_ms_per_step"] = statistics.median(per_step)
    tasks_per_s = measure(lambda: SIZE["w3"] / (_timed(lambda: fan(SIZE["w3"])) / 1000))
    results["w3_tasks_per_s"] = statistics.median(tasks_per_s)

    async def many():
        await asyncio.gather(*[ten() for _ in range(SIZE["w4"])])

    flows_per_s = measure(lambda: SIZE["w4"] / (_timed(lambda: asyncio.run(many())) / 1000))
    results["w4_flows_per_s"] = statistics.median(flows_per_s)
    results.update(w1(api))
    import prefect

    results["prefect_version"] = prefect.__version__
    results["sizes"] = SIZE
    results["rounds"] = ROUNDS
    print(json.dumps(results))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        one_task.serve(name="bench-one")
    else:
        main()
