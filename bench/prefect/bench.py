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
                    run = None
                    for attempt in range(10):
                        r = http.post(f"/deployments/{deployment}/create_flow_run", json={})
                        if r.status_code < 300:
                            run = r.json()
                            break
                        time.sleep(1 + attempt)
                    if run is None:
                        raise RuntimeError(f"create_flow_run answered {r.status_code}: {r.text[:200]}")
                    while True:
                        got = http.get(f"/flow_runs/{run['id']}")
                        if got.status_code >= 300:
                            time.sleep(0.2)
                            continue
                        state = got.json()["state"]["type"]
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
    progress("w2_ms_per_step", results["w2_ms_per_step"])
    tasks_per_s = measure(lambda: SIZE["w3"] / (_timed(lambda: fan(SIZE["w3"])) / 1000))
    results["w3_tasks_per_s"] = statistics.median(tasks_per_s)
    progress("w3_tasks_per_s", results["w3_tasks_per_s"])

    def many(n):
        async def go():
            await asyncio.gather(*[ten() for _ in range(n)])

        return n / (_timed(lambda: asyncio.run(go())) / 1000)

    results.update(w1(api))
    progress("w1", {k: v for k, v in results.items() if k.startswith("w1")})

    def batched(total, size):
        async def go():
            for start in range(0, total, size):
                await asyncio.gather(*[ten() for _ in range(min(size, total - start))])

        return total / (_timed(lambda: asyncio.run(go())) / 1000)

    try:
        results["w4_flows_per_s"] = statistics.median(measure(lambda: many(SIZE["w4"])))
        results["w4_concurrency"] = SIZE["w4"]
    except Exception as exc:  # Prefect's server can refuse this load: record how, then measure in batches.
        results["w4_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        time.sleep(10)
        size = max(1, SIZE["w4"] // 10)
        try:
            results["w4_flows_per_s"] = statistics.median(measure(lambda: batched(SIZE["w4"], size)))
            results["w4_concurrency"] = size
        except Exception as exc2:
            results["w4_error"] += f"; in batches of {size}: {type(exc2).__name__}: {str(exc2).splitlines()[0][:160]}"
            results["w4_flows_per_s"] = float("nan")
            results["w4_concurrency"] = size
    import prefect

    results["prefect_version"] = prefect.__version__
    results["sizes"] = SIZE
    results["rounds"] = ROUNDS
    print(json.dumps(results, allow_nan=True).replace("NaN", "null"))


def progress(name, value) -> None:
    """Each figure as it is measured, on stderr, so a run cut short still reports."""
    print(f"# prefect {name}: {value}", file=sys.stderr, flush=True)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        one_task.serve(name="bench-one")
    else:
        main()
