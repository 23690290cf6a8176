"""The W1-W5 benchmark shapes written with Prefect 3, run against Prefect's own server.

Run by `npm run bench -- --with-prefect` (bench/run.ts), once per workload per round, interleaved
with Baton and raw Temporal, and by `npm run bench:prefect -- --prefect-only`; both install Prefect
into bench/.venv and start `prefect server` on loopback first (PREFECT_API_URL, PREFECT_HOME set).
Can be run alone against such a server:

    bench/.venv/bin/python bench/prefect/bench.py [--only W2,W3] [--rounds 1] [--smoke]
        [--sizes w2=100,w5=1000] [--w4-concurrency 2]

Progress goes to stderr as each figure is measured; the last stdout line is one JSON object with
the figures, their samples (`*_samples`, for pooling over invocations) and, for a workload that
failed, `<w>_error`. Every wait has a time limit: a workload that overruns it is reported as failed,
and a phase that cannot be interrupted (a flow that hangs inside Prefect) stops the whole process
with a message and a stack dump rather than hanging.

Environment: BENCH_SMOKE=1 (as --smoke), BENCH_ROUNDS (default 3, smoke 1), BENCH_SIZES (as --sizes),
BENCH_W1_POLL (the served runner's PREFECT_RUNNER_POLL_FREQUENCY, seconds; default 1),
BENCH_W4_BOUNDED (the concurrency limits W4 tries, on a probe of flows, when Prefect's server fails
with all flows at once; the fastest is then used for the measured rounds; default 20,10,5,2),
BENCH_W5_STARTING (W5: flows on their way to Paused at once; default 5),
BENCH_PREFECT_SERVER_PGID (W5: the server's process group, whose RSS is reported beside the flows').
"""
import argparse
import asyncio
import faulthandler
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

import httpx
from prefect import flow, task
from prefect.flow_runs import apause_flow_run, aresume_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run as current_flow_run

HERE = os.path.dirname(os.path.abspath(__file__))
_cli = argparse.ArgumentParser(description="The benchmark shapes written with Prefect 3.")
_cli.add_argument("--only", help="workloads to run, e.g. W2,W3 (default: W1-W5)")
_cli.add_argument("--rounds", type=int, help="rounds per workload (default 3, smoke 1)")
_cli.add_argument("--smoke", action="store_true", help="tiny sizes")
_cli.add_argument("--sizes", default="", help='other sizes, e.g. "w1=10,w4=50"')
_cli.add_argument("--w4-concurrency", type=int, help="W4: run at most this many flows at a time, without trying all at once first")
ARGS = _cli.parse_args()
SMOKE = ARGS.smoke or os.environ.get("BENCH_SMOKE") == "1"
ROUNDS = ARGS.rounds or int(os.environ.get("BENCH_ROUNDS", "1" if SMOKE else "3"))
SIZE = {"w1": 3, "w2": 5, "w3": 20, "w4": 5, "w5": 10} if SMOKE else {"w1": 40, "w2": 100, "w3": 1000, "w4": 200, "w5": 1000}
for _sizes in (os.environ.get("BENCH_SIZES", ""), ARGS.sizes):
    SIZE.update({k: int(v) for k, v in (kv.split("=") for kv in _sizes.split(",") if kv) if k in SIZE})
W1_POLL = os.environ.get("BENCH_W1_POLL", "1")
W4_BOUNDED = [int(x) for x in os.environ.get("BENCH_W4_BOUNDED", "2,1" if SMOKE else "20,10,5,2").split(",")]
W5_STARTING = int(os.environ.get("BENCH_W5_STARTING", "5"))

# Time limits, in seconds. Generous: the machine may be busy, and Prefect's served runs each start
# a Python process. They exist so that a stall ends the run with a message instead of hanging.
LIMIT = {
    "served_start": 180,  # the runner process registers its deployment
    "w1_run": 180,  # one REST-triggered run, created -> terminal state
    "w1_phase": 900 if SMOKE else 3600,
    "w2": 300 if SMOKE else 900,
    "w3": 300 if SMOKE else 900,
    "w4_attempt": 300 if SMOKE else 900,
    "w4_phase": 900 if SMOKE else 3600,
    "w5_phase": 600 if SMOKE else 3600,
}


@task
def noop(i):
    return i


@task
async def anoop(i):
    return i


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


def progress(msg) -> None:
    """On stderr at once, so a run cut short still shows what it measured."""
    print(f"# prefect {msg}", file=sys.stderr, flush=True)


_children: list = []


def _stop_children() -> None:
    for proc in _children:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class Watchdog:
    """Backstop time limit on a phase: past it, print why, dump every thread's stack, stop children, exit 3."""

    def __init__(self, what: str, seconds: float):
        self.what, self.seconds = what, seconds

    def _fire(self) -> None:
        progress(f"{self.what}: no result within {self.seconds:.0f} s; giving up (stacks follow)")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        _stop_children()
        os._exit(3)

    def __enter__(self):
        self.timer = threading.Timer(self.seconds, self._fire)
        self.timer.daemon = True
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        return False


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


# ---------------------------------------------------------------------------------------------
# W1: REST trigger -> completion of a served one-task flow.


class Api:
    """Prefect's REST API over plain HTTP. SQLite-backed Prefect answers 503 when a write loses a
    lock race ("database is locked"); Prefect's own client retries those (2, 4, 8... s apart), and
    so does this one, with short pauses so that a retry costs milliseconds, not seconds."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, timeout=30)
        self.retried = 0

    def call(self, method: str, url: str, deadline: float, **kw):
        pause = 0.02
        while True:
            try:
                r = self.http.request(method, url, **kw)
                if r.status_code < 500:
                    r.raise_for_status()
                    return r.json()
                why = f"{r.status_code} {r.text[:120]}"
            except httpx.TransportError as exc:
                why = f"{type(exc).__name__}: {exc}"
            self.retried += 1
            if time.monotonic() + pause > deadline:
                raise RuntimeError(f"{method} {url}: no success before the time limit; last answer {why}")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode("utf8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def w1(api_url: str) -> dict:
    home = os.environ.get("PREFECT_HOME", HERE)
    log_path = os.path.join(home, "served.log")
    env = dict(os.environ, PREFECT_RUNNER_POLL_FREQUENCY=W1_POLL)
    progress(f"W1: starting the served deployment (flow.serve; PREFECT_RUNNER_POLL_FREQUENCY={W1_POLL} s), log {log_path}")
    with open(log_path, "ab") as log:
        served = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "served.py")],
            cwd=HERE,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children.append(served)
    api = Api(api_url)

    def alive() -> None:
        if served.poll() is not None:
            raise RuntimeError(f"the served runner exited with code {served.returncode}; its log:\n{_tail(log_path)}")

    try:
        deadline = time.monotonic() + LIMIT["served_start"]
        deployment = None
        while deployment is None:
            alive()
            r = api.http.get("/deployments/name/one-task/bench-one")
            if r.status_code == 200:
                deployment = r.json()["id"]
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the served deployment did not appear within {LIMIT['served_start']} s; runner log:\n{_tail(log_path)}")
            time.sleep(0.5)

        def one_run() -> tuple:
            deadline = time.monotonic() + LIMIT["w1_run"]
            t0 = time.perf_counter()
            run = api.call("POST", f"/deployments/{deployment}/create_flow_run", deadline, json={})
            t_created = time.perf_counter()
            t_running = None
            state = run["state"]
            while state["type"] not in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                if time.monotonic() > deadline:
                    alive()
                    raise RuntimeError(
                        f"flow run {run['id']} still {state['type']} ({state['name']}) after {LIMIT['w1_run']} s; runner log:\n{_tail(log_path)}"
                    )
                time.sleep(0.02)
                state = api.call("GET", f"/flow_runs/{run['id']}", deadline)["state"]
                if t_running is None and state["type"] in ("RUNNING", "COMPLETED"):
                    t_running = time.perf_counter()
            t1 = time.perf_counter()
            if state["type"] != "COMPLETED":
                raise RuntimeError(f"flow run {run['id']} ended {state['type']}: {state.get('message')}; runner log:\n{_tail(log_path)}")
            return (t1 - t0) * 1000, (t_created - t0) * 1000, ((t_running or t1) - t0) * 1000

        # Warm-up: the runner is polling and the first process start has paid for cold disk caches.
        warm = one_run()
        progress(f"W1: warm-up run took {warm[0]:.0f} ms")
        e2e, created, running = [], [], []
        for r in range(ROUNDS):
            for i in range(SIZE["w1"]):
                total, c, s = one_run()
                e2e.append(total)
                created.append(c)
                running.append(s)
                if (i + 1) % 10 == 0 or i + 1 == SIZE["w1"]:
                    progress(f"W1: round {r + 1}/{ROUNDS}, {i + 1}/{SIZE['w1']} runs, median so far {statistics.median(e2e):.0f} ms")
        ordered = sorted(e2e)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return {
            "w1_p50_ms": statistics.median(e2e),
            "w1_p99_ms": p99,
            "w1_runs": len(e2e),
            "w1_create_p50_ms": statistics.median(created),
            "w1_to_running_p50_ms": statistics.median(running),
            "w1_retried_requests": api.retried,
            "w1_samples_ms": e2e,
            "w1_create_samples_ms": created,
            "w1_to_running_samples_ms": running,
        }
    finally:
        _stop_children()
        try:
            served.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(served.pid, signal.SIGKILL)
        api.http.close()


# ---------------------------------------------------------------------------------------------
# W4: concurrent flows of 10 sequential tasks, run in this process with asyncio.


def w4_attempt(n: int, concurrency: int) -> tuple:
    """n flows, at most `concurrency` in flight. Returns (flows/s, error or None). Stops at the first
    failed flow (cancelling the rest) rather than waiting out every other flow's retries."""

    async def go():
        sem = asyncio.Semaphore(concurrency)

        async def one():
            async with sem:
                result = await ten()
            if result != 10:
                raise RuntimeError(f"flow returned {result!r}")

        t0 = time.perf_counter()
        pending = {asyncio.ensure_future(one()) for _ in range(n)}
        error = None
        done_ok = 0
        deadline = t0 + LIMIT["w4_attempt"]
        while pending and error is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                error = f"{n - len(pending)} of {n} flows finished within {LIMIT['w4_attempt']} s"
                break
            done, pending = await asyncio.wait(pending, timeout=left, return_when=asyncio.FIRST_EXCEPTION)
            for d in done:
                if d.exception() is None:
                    done_ok += 1
                elif error is None:
                    exc = d.exception()
                    error = (
                        f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]} "
                        f"(after {time.perf_counter() - t0:.0f} s, {done_ok} of {n} flows completed)"
                    )
        elapsed = time.perf_counter() - t0
        if pending:
            for p in pending:
                p.cancel()
            await asyncio.wait(pending, timeout=120)
        return (float("nan"), error) if error else (n / elapsed, None)

    return asyncio.run(go())


def w4() -> dict:
    n = SIZE["w4"]
    out: dict = {}
    asyncio.run(ten())  # warm-up: the async engine path
    if ARGS.w4_concurrency:
        # Chosen by an earlier invocation (all at once, or the best probe after that failed).
        figures, concurrency = [], ARGS.w4_concurrency
        error = None
    else:
        progress(f"W4: round 1/{ROUNDS}, {n} flows × 10 tasks, all at once")
        rate, error = w4_attempt(n, n)
        figures, concurrency = [rate], n
    if error is None:
        if figures:
            progress(f"W4: {figures[0]:.2f} flows/s")
    else:
        # Prefect on SQLite answers 503 to concurrent POST /flow_runs/ that lose a lock race, and
        # its client retries 2, 4, 8, 16, 32 s later, then gives up. Record that, then find the
        # concurrency limit at which it runs best: each candidate runs a probe of `probe` flows.
        out["w4_error"] = f"{n} at once: {error}"
        progress(f"W4: {n} at once failed: {error}")
        time.sleep(5)  # let the server work off what the failed attempt left behind
        probe = min(n, max(2 * max(W4_BOUNDED), 10))
        probes = {}
        for c in W4_BOUNDED:
            progress(f"W4: probing {probe} flows, at most {c} at a time")
            rate, error = w4_attempt(probe, c)
            probes[c] = rate if error is None else error
            progress(f"W4: at most {c} at a time: " + (f"{rate:.2f} flows/s" if error is None else f"failed: {error}"))
        out["w4_probes"] = probes
        ok = {c: r for c, r in probes.items() if isinstance(r, float)}
        if not ok:
            out["w4_flows_per_s"], out["w4_concurrency"] = float("nan"), None
            return out
        concurrency = max(ok, key=ok.get)
        figures = []
    while len(figures) < ROUNDS:
        progress(f"W4: round {len(figures) + 1}/{ROUNDS}, {n} flows × 10 tasks, at most {concurrency} at a time")
        rate, error = w4_attempt(n, concurrency)
        if error is not None:
            out["w4_error"] = f"{out['w4_error']}; " if "w4_error" in out else ""
            out["w4_error"] += f"at most {concurrency} at a time: {error}"
            progress(f"W4: failed: {error}")
            out["w4_flows_per_s"], out["w4_concurrency"] = float("nan"), concurrency
            return out
        figures.append(rate)
        progress(f"W4: {rate:.2f} flows/s")
    out["w4_flows_per_s"] = statistics.median(figures)
    out["w4_samples"] = figures
    out["w4_concurrency"] = concurrency
    return out


# ---------------------------------------------------------------------------------------------
# W5: memory per waiting flow. Baton's W5 holds N flows waiting for an approval in one worker and
# measures that worker; here N flows wait for input (pause_flow_run(wait_for_input=...)) as asyncio
# tasks of this one process, the cheapest way Prefect holds a waiting flow in memory, and this
# process's RSS growth is the figure. A served deployment would start one Python process per run,
# and suspend_flow_run would leave nothing in memory but needs a deployment and a worker to resume
# it: neither compares with a worker holding waiting flows.


class Decision(RunInput):
    decision: str


W5_TIMEOUT_S = LIMIT["w5_phase"]
_waiting_ids: list = []


@flow(name="wait-for-go")
async def wait_for_go():
    _waiting_ids.append(current_flow_run.id)
    # poll_interval: Prefect's default (10 s), each waiting flow reads its run that often.
    answer = await apause_flow_run(wait_for_input=Decision, timeout=W5_TIMEOUT_S, key="go")
    return answer.decision


def _rss_kib(pid="self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return float("nan")


def _group_rss_kib(pgid: int) -> float:
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # Fields after the command name (which may hold spaces): state, ppid, pgrp...
                if int(f.read().rsplit(")", 1)[1].split()[2]) != pgid:
                    continue
            total += _rss_kib(entry)
        except (OSError, ValueError, IndexError):
            pass
    return total


def w5(api_url: str) -> dict:
    n = SIZE["w5"]
    pgid = int(os.environ.get("BENCH_PREFECT_SERVER_PGID", "0"))
    server_rss = (lambda: _group_rss_kib(pgid)) if pgid else (lambda: float("nan"))

    async def go() -> dict:
        http = httpx.AsyncClient(base_url=api_url, timeout=30)
        paused_filter = {"flows": {"name": {"any_": ["wait-for-go"]}}, "flow_runs": {"state": {"type": {"any_": ["PAUSED"]}}}}

        async def paused() -> int:
            r = await http.post("/flow_runs/count", json=paused_filter)
            r.raise_for_status()
            return r.json()

        async def hold(count: int, deadline: float) -> list:
            """Starts `count` waiting flows, at most W5_STARTING on their way to Paused at once."""
            base = await paused()
            flows: list = []
            while True:
                done = await paused() - base
                if done >= count:
                    return flows
                for f in flows:
                    if f.done():
                        raise RuntimeError(f"a waiting flow ended before it was resumed: {f.exception() or f.result()!r}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{done} of {count} flows paused within the time limit")
                while len(flows) < count and len(flows) - done < W5_STARTING:
                    flows.append(asyncio.ensure_future(wait_for_go()))
                await asyncio.sleep(0.2)

        async def release(flows: list, deadline: float) -> None:
            sem = asyncio.Semaphore(W5_STARTING)

            async def resume(flow_run_id) -> None:
                async with sem:
                    while True:
                        try:
                            return await aresume_flow_run(flow_run_id, run_input={"decision": "approve"})
                        except RuntimeError as exc:
                            # A flow is Paused a moment before it has saved its input's schema;
                            # until then the server refuses input for it.
                            if "schema not found" not in str(exc) or time.monotonic() > deadline:
                                raise
                        await asyncio.sleep(0.2)

            await asyncio.wait_for(asyncio.gather(*(resume(i) for i in list(_waiting_ids))), deadline - time.monotonic())
            _waiting_ids.clear()
            answers = await asyncio.wait_for(asyncio.gather(*flows), deadline - time.monotonic())
            if any(a != "approve" for a in answers):
                raise RuntimeError(f"a flow resumed with {answers!r}")

        try:
            deadline = time.monotonic() + LIMIT["w5_phase"]
            # Warm-up: one flow paused and resumed, so that what Prefect loads on first use is
            # in the baseline, not in the figure.
            await release(await hold(1, deadline), deadline)
            gc.collect()
            before, server_before = _rss_kib(), server_rss()
            t0 = time.perf_counter()
            progress(f"W5: starting {n} flows that wait for input (at most {W5_STARTING} on their way to Paused at once)")
            flows = await hold(n, deadline)
            loaded_s = time.perf_counter() - t0
            await asyncio.sleep(1)  # the last flows to pause save their input's schema just after
            gc.collect()
            loaded, server_loaded = _rss_kib(), server_rss()
            progress(f"W5: {n} flows paused after {loaded_s:.1f} s; RSS {before / 1024:.0f} -> {loaded / 1024:.0f} MB; resuming them")
            await release(flows, deadline)
            return {
                "w5_rss_kib_per_flow": (loaded - before) / n,
                "w5_server_rss_kib_per_flow": (server_loaded - server_before) / n,
                "w5_baseline_rss_mb": before / 1024,
                "w5_server_baseline_rss_mb": server_before / 1024,
                "w5_load_s": loaded_s,
                "w5_poll_interval_s": 10,
                "w5_starting_at_once": W5_STARTING,
            }
        finally:
            await http.aclose()

    return asyncio.run(go())


# ---------------------------------------------------------------------------------------------


def main() -> None:
    only = set(ARGS.only.upper().split(",")) if ARGS.only else None
    want = lambda w: only is None or w in only  # noqa: E731
    api = os.environ["PREFECT_API_URL"]
    import prefect

    results: dict = {"prefect_version": prefect.__version__, "sizes": SIZE, "rounds": ROUNDS}
    results["settings"] = {
        "w1_runner_poll_frequency_s": float(W1_POLL),
        "w1_runner_limit": 5,
        "w3_task_runner": "ThreadPoolTaskRunner (default)",
        "client_max_retries": os.environ.get("PREFECT_CLIENT_MAX_RETRIES", "5 (default)"),
        "logging_level": os.environ.get("PREFECT_LOGGING_LEVEL", "INFO (default)"),
        "w5_wait": "pause_flow_run(wait_for_input=RunInput), poll_interval 10 s (default), flows as asyncio tasks of one process",
    }

    def attempt(name: str, fn) -> None:
        try:
            results.update(fn())
        except Exception as exc:  # recorded, and the next workload still runs
            results[f"{name}_error"] = f"{type(exc).__name__}: {str(exc)[:600]}"
            progress(f"{name.upper()}: FAILED: {results[name + '_error']}")

    if want("W2") or want("W3"):
        with Watchdog("warm-up flow", LIMIT["w2"]):
            chain(2)  # the first run pays for imports and the client's connection

    if want("W2"):
        def run_w2():
            per_step = []
            for r in range(ROUNDS):
                per_step.append(_timed(lambda: chain(SIZE["w2"])) / SIZE["w2"])
                progress(f"W2: round {r + 1}/{ROUNDS}: {per_step[-1]:.2f} ms per step")
            return {"w2_ms_per_step": statistics.median(per_step), "w2_samples": per_step}

        with Watchdog("W2", LIMIT["w2"] * ROUNDS):
            attempt("w2", run_w2)

    if want("W3"):
        def run_w3():
            rates = []
            for r in range(ROUNDS):
                rates.append(SIZE["w3"] / (_timed(lambda: fan(SIZE["w3"])) / 1000))
                progress(f"W3: round {r + 1}/{ROUNDS}: {rates[-1]:.1f} tasks/s")
            return {"w3_tasks_per_s": statistics.median(rates), "w3_samples": rates}

        with Watchdog("W3", LIMIT["w3"] * ROUNDS):
            attempt("w3", run_w3)

    if want("W1"):
        with Watchdog("W1", LIMIT["w1_phase"]):
            attempt("w1", lambda: w1(api))
        if "w1_p50_ms" in results:
            progress(
                f"W1: p50 {results['w1_p50_ms']:.0f} ms, p99 {results['w1_p99_ms']:.0f} ms over {results['w1_runs']} runs "
                f"(create p50 {results['w1_create_p50_ms']:.0f} ms, trigger -> Running p50 {results['w1_to_running_p50_ms']:.0f} ms, "
                f"{results['w1_retried_requests']} requests retried after 503)"
            )

    if want("W4"):
        with Watchdog("W4", LIMIT["w4_phase"]):
            attempt("w4", w4)

    if want("W5"):
        # A little past W5's own limit, which the flows' pause timeout and its waits already use.
        with Watchdog("W5", LIMIT["w5_phase"] + 120):
            attempt("w5", lambda: w5(api))

    print(json.dumps(results).replace("NaN", "null"), flush=True)


def _on_sigterm(signum, frame) -> None:
    # The default would end this process at once and leave the served runner (a session of its own)
    # polling a server that is going away.
    _stop_children()
    deadline = time.monotonic() + 0.8  # within the second bench/run.ts gives before SIGKILL
    while any(p.poll() is None for p in _children) and time.monotonic() < deadline:
        time.sleep(0.05)
    for proc in _children:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os._exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        main()
    finally:
        _stop_children()
