"""Load benchmark of the web app (not a test): N simulated residents playing cases at once on loopback.

    python benchmarks/web_load.py [--residents 50] [--cases 2] [--time-limit 120] [--diagrams] [--think 0]
                                  [--seed 1] [--maps] [--subtypes gist leiomyosarcoma]

Starts ``sarcoma-sim serve --port 0`` with a fresh SQLite file in a temporary folder (or uses
``--url`` and ``--db`` of a running server), then runs ``--residents`` threads at once, each a
resident with its own keep-alive connection playing ``--cases`` whole cases: start a case (POST),
then for every decision load the decision page (GET, the figure the goal is about), answer with
a random option (POST), until the debrief; with ``--diagrams`` each page view also loads its
SVG diagram, as a browser would; ``--think S`` makes each resident pause a random 0.5 S to 1.5 S
before each answer (reading the feedback), where 0 (the default) is the hardest closed loop;
``--maps`` makes each resident also open the whole map (the map page and its SVG, as a browser
does) at every decision, and ``--subtypes`` restricts the cases residents pick from.
Bounded: at most 500 residents, and no new case starts after ``--time-limit`` seconds. Everything
random comes from ``--seed``.

Prints requests/s, p50/p95/max latency per request kind (with ``--maps``, the map page per subtype,
cold when asked before the server had returned any map of the subtype, warm after), errors (any
status other than the expected 200/303), and checks that every case a resident finished is stored as finished in the
database. Goal (issue 10): 50 residents, p95 under 200 ms for a decision page, zero errors, zero
lost attempts.

Class mode (issue 20): ``--class-run [--seeded 10000]`` starts a server, creates a class through the
teacher pages and sets it two assignments (GIST with a fixed seed, leiomyosarcoma with a fresh
patient each), writes ``--seeded`` finished attempts with their decision rows straight into the
SQLite file (fifty earlier residents of the class and some anonymous players, copied from a few
hundred replayed cases), then lets ``--residents`` residents join with the code and play both
assignments (home page, start, decision pages, answers, home page again) while a teacher thread
loads the teacher view, the class page, a resident's page with hundreds of attempts, and every
level of the drill-down by decision (cases, decision points, a point, the attempts behind a share,
one attempt), per class and overall. With ``--think S`` each resident also takes 0 to 2 S before
joining (typing the code and a name), so joins are spread as in a class; with ``--think 0`` all 50
join at once. Printed: p50/p95 per page, and the goal: p95 under 200 ms for every resident page and
under 500 ms for every teacher page.

Fault mode (issue 19): ``--fault --duration T [--kill-at S]`` runs the residents for T seconds on
a server started here, SIGKILLs the server (and nothing else: its diagram workers must end by
themselves) at S seconds (default T/2) and restarts it on the same SQLite file and port. A
resident whose connection fails reconnects, reloads its case page and carries on. Printed: requests/s,
p50/p95, errors (wrong statuses), requests cut by the kill, and the acknowledged attempts (303 to a
start) and answers (303 to an answer) missing from the database afterwards: the goal is 0 lost.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

MAX_RESIDENTS = 500
SUBTYPES = ("gist", "leiomyosarcoma", "liposarcoma", "dfsp", "imt", "pecoma", "asps", "sft", "emc", "angiosarcoma",
            "ntrk")
OPTION = re.compile(r'name="option" value="(\d+)"')
DECISION = re.compile(r'name="decision" value="(\d+)"')
DIAGRAM = re.compile(r'data="([^"]+diagram\.svg[^"]*)"')
MAP_LINK = re.compile(r'href="([^"]+/map[^"]*)" id="map-link"')
MAP_SVG = re.compile(r'data="([^"]+map\.svg[^"]*)"')


class Recorder:
    """Latencies per request kind and errors, shared by the resident threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.finished: list[str] = []
        self.mapped: set[str] = set()   # subtypes a map of which the server has returned (before: cold)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def request(conn, recorder: Recorder, kind: str, method: str, path: str, form: dict | None = None,
            expect: int = 200, cookie: str | None = None) -> tuple[int, dict, str]:
    """One timed request on the resident's connection (with ``cookie``, sent as the Cookie header)."""
    body = urllib.parse.urlencode(form) if form is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", errors="replace")
    recorder.add(kind, time.perf_counter() - started)
    if response.status != expect:
        recorder.error(f"{kind} {method} {path}: {response.status}")
    return response.status, dict(response.getheaders()), data


def resident(host: str, port: int, number: int, args, recorder: Recorder, deadline: float) -> None:
    """Play ``args.cases`` cases as one resident."""
    rng = random.Random(args.seed * 100_003 + number)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for _ in range(args.cases):
            if time.monotonic() > deadline:
                return
            case = rng.choice(args.subtypes)
            status, headers, _ = request(conn, recorder, "start case (POST)", "POST", "/cases",
                                         {"case": case, "seed": str(rng.randrange(10**6))}, 303)
            if status != 303:
                return
            path = urllib.parse.urlsplit(headers["Location"]).path
            for _ in range(30):
                status, _, page = request(conn, recorder, "decision page (GET)", "GET", path)
                if args.diagrams and (found := DIAGRAM.search(page)):
                    request(conn, recorder, "diagram (GET)", "GET", found.group(1).replace("&amp;", "&"))
                if 'id="debrief"' in page:
                    with recorder.lock:
                        recorder.finished.append(path.rsplit("/", 1)[-1])
                    break
                if args.maps and (found := MAP_LINK.search(page)):
                    whole_map(conn, recorder, case, found.group(1).replace("&amp;", "&"))
                options = OPTION.findall(page)
                decision = DECISION.search(page)
                if status != 200 or not options or not decision:
                    recorder.error(f"no decision on {path}")
                    break
                if args.think:
                    time.sleep(args.think * rng.uniform(0.5, 1.5))
                request(conn, recorder, "answer (POST)", "POST", path + "/answer",
                        {"decision": decision.group(1), "option": rng.choice(options)}, 303)
    except (OSError, http.client.HTTPException) as error:
        recorder.error(f"resident {number}: {type(error).__name__}: {error}")
    finally:
        conn.close()


def whole_map(conn, recorder: Recorder, subtype: str, path: str) -> None:
    """Open the whole map as a browser does (its page, then its SVG); the two requests timed as one
    "map page" figure, marked cold when asked before the server had returned any map of the subtype (it may
    wait for the pathway's first drawing), warm after."""
    started = time.perf_counter()
    with recorder.lock:
        cold = subtype not in recorder.mapped
    _, _, page = request(conn, recorder, "map html (GET)", "GET", path)
    found = MAP_SVG.search(page)
    if found is None:
        recorder.error(f"no map.svg on {path}")
        return
    request(conn, recorder, "map svg (GET)", "GET", found.group(1).replace("&amp;", "&"))
    with recorder.lock:
        recorder.mapped.add(subtype)
    recorder.add(f"map page {subtype} {'cold' if cold else 'warm'}", time.perf_counter() - started)


@contextlib.contextmanager
def server(args):
    """(host, port, db path): the given server, or one started here on a fresh database."""
    if args.url:
        where = urllib.parse.urlsplit(args.url)
        yield where.hostname, where.port, args.db
        return
    with tempfile.TemporaryDirectory() as folder:
        db = os.path.join(folder, "attempts.sqlite3")
        process = subprocess.Popen([sys.executable, "-m", "sarcoma_sim", "serve", "--port", "0", "--db", db],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = None
            for line in process.stdout:
                if line.startswith("sarcoma-sim teaching app on "):
                    url = line.split(" on ", 1)[1].strip()
                if line.startswith("Ctrl-C"):
                    break
            where = urllib.parse.urlsplit(url)
            yield where.hostname, where.port, db
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


class FaultServer:
    """``sarcoma-sim serve`` on a fresh database that can be SIGKILLed and restarted on the same port."""

    def __init__(self, folder: str):
        self.db = os.path.join(folder, "attempts.sqlite3")
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.left_behind = 0

    def start(self) -> None:
        """Start the server (on the port it had before, after a kill) and wait until it listens."""
        self.process = subprocess.Popen([sys.executable, "-m", "sarcoma_sim", "serve", "--port", str(self.port),
                                         "--db", self.db], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in self.process.stdout:
            if line.startswith("sarcoma-sim teaching app on "):
                self.port = urllib.parse.urlsplit(line.split(" on ", 1)[1].strip()).port
            if line.startswith("Ctrl-C"):
                break

    def kill(self) -> None:
        """SIGKILL the server alone; count its descendants still running 10 s later (should be 0)."""
        below = descendants(self.process.pid)
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_running(pid) for pid in below):
            time.sleep(0.2)
        self.left_behind += sum(1 for pid in below if _running(pid))

    def stop(self) -> None:
        """Stop the server for good."""
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                children.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Acknowledged:
    """What the server acknowledged (a 303), to look for in the database afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts: set[str] = set()
        self.answers: dict[str, set[tuple[int, int]]] = {}
        self.cut = 0

    def attempt(self, attempt_id: str) -> None:
        with self.lock:
            self.attempts.add(attempt_id)

    def answer(self, attempt_id: str, decision: int, option: int) -> None:
        with self.lock:
            self.answers.setdefault(attempt_id, set()).add((decision, option))


def faulty_resident(server: FaultServer, number: int, args, recorder: Recorder, acked: Acknowledged,
                    deadline: float) -> None:
    """Play cases until ``deadline``; a connection cut by the kill is reopened and the case page reloaded."""
    rng = random.Random(args.seed * 100_003 + number)
    conn = None
    path = None
    while time.monotonic() < deadline:
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            if path is None:
                status, headers, _ = request(conn, recorder, "start case (POST)", "POST", "/cases",
                                             {"case": rng.choice(SUBTYPES), "seed": str(rng.randrange(10**6))}, 303)
                if status != 303:
                    continue
                path = urllib.parse.urlsplit(headers["Location"]).path
                acked.attempt(path.rsplit("/", 1)[-1])
            status, _, page = request(conn, recorder, "decision page (GET)", "GET", path)
            if args.diagrams and (found := DIAGRAM.search(page)):
                request(conn, recorder, "diagram (GET)", "GET", found.group(1).replace("&amp;", "&"))
            if 'id="debrief"' in page:
                with recorder.lock:
                    recorder.finished.append(path.rsplit("/", 1)[-1])
                path = None
                continue
            options, decision = OPTION.findall(page), DECISION.search(page)
            if status != 200 or not options or not decision:
                recorder.error(f"no decision on {path}")
                path = None
                continue
            if args.think:
                time.sleep(args.think * rng.uniform(0.5, 1.5))
            option = rng.choice(options)
            status, _, _ = request(conn, recorder, "answer (POST)", "POST", path + "/answer",
                                   {"decision": decision.group(1), "option": option}, 303)
            if status == 303:
                acked.answer(path.rsplit("/", 1)[-1], int(decision.group(1)), int(option) - 1)
        except (OSError, http.client.HTTPException):
            with acked.lock:
                acked.cut += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.2)  # the server is restarting
    if conn is not None:
        conn.close()


def run_faults(args) -> int:
    """The fault mode: residents for ``--duration`` seconds, the server SIGKILLed and restarted once."""
    from sarcoma_sim.web.store import Store

    recorder, acked = Recorder(), Acknowledged()
    with tempfile.TemporaryDirectory() as folder:
        server = FaultServer(folder)
        server.start()
        deadline = time.monotonic() + args.duration
        threads = [threading.Thread(target=faulty_resident, args=(server, i, args, recorder, acked, deadline))
                   for i in range(args.residents)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.kill_at if args.kill_at is not None else args.duration / 2)
        killed = time.perf_counter()
        server.kill()
        server.start()
        down = time.perf_counter() - killed
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        server.stop()
        store = Store(server.db)
        lost_attempts = sum(1 for a in acked.attempts if store.attempt(a) is None)
        lost_answers = 0
        answers = 0
        for attempt_id, given in acked.answers.items():
            answers += len(given)
            found = store.attempt(attempt_id)
            stored = set(found.answers) if found is not None else set()
            lost_answers += len(given - stored)
        store.close()

    total = sum(len(v) for v in recorder.latencies.values())
    print(f"web load with a fault: {args.residents} residents for {args.duration:g} s, server SIGKILLed at "
          f"{args.kill_at if args.kill_at is not None else args.duration / 2:g} s and restarted "
          f"({down:.1f} s down), seed {args.seed}, think time {args.think:g} s")
    print(f"requests: {total} in {wall:.1f} s = {total / wall:.0f} requests/s")
    for kind, values in sorted(recorder.latencies.items()):
        print(f"  {kind:22s} n={len(values):5d}  p50 {1000 * statistics.median(values):7.1f} ms  "
              f"p95 {1000 * percentile(values, 0.95):7.1f} ms")
    first = f" (first: {recorder.errors[0]})" if recorder.errors else ""
    print(f"errors (wrong status): {len(recorder.errors)}{first}")
    print(f"requests cut by the kill (connection reset or refused, retried): {acked.cut}")
    print(f"server processes left running after the kill: {server.left_behind}")
    print(f"acknowledged attempts: {len(acked.attempts)}, lost: {lost_attempts}; acknowledged answers: {answers}, "
          f"lost: {lost_answers}")
    met = not recorder.errors and lost_attempts == 0 and lost_answers == 0 and server.left_behind == 0
    print("goal (nothing acknowledged lost, no wrong status, no process left): " + ("met" if met else "NOT met"))
    return 0 if met else 1


TEACHER_PAGES = ("teacher view", "class page", "resident page (seeded)", "cases (class)", "cases (all)",
                 "decision points (class)", "decision point (class)", "decision point (all)",
                 "who chose it (class)", "attempt page")


def seed_attempts(db: str, class_id: str, count: int, seed: int) -> tuple[float, str]:
    """Write ``count`` finished attempts with their decision rows straight into ``db``; (seconds, a resident id).

    Attempts are copies of replayed cases (every subtype, several seeds, random answers from ``seed``), so
    each one replays exactly as stored; 80% belong to fifty earlier residents of the class, the rest are
    anonymous. One transaction through the store's own writers.
    """
    import secrets

    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.web.cases import _replay
    from sarcoma_sim.web.decisions import decision_record
    from sarcoma_sim.web.store import Store, session_hash

    started = time.perf_counter()
    rng = random.Random(seed)
    templates = []
    for key in SUBTYPES:
        pathway = load_subtype(key)
        for case_seed in range(20):
            answers: list[tuple[int, int]] = []
            while (state := _replay(pathway, case_seed, answers)).pending is not None and len(answers) < 30:
                answers.append((state.pending.number, rng.randrange(len(state.pending.options))))
            records = [decision_record(d, f) for d, f in state.history]
            alerts = [(d.number, a.code) for d, f in state.history for a in f.step.alerts]
            templates.append((key, pathway.name, case_seed, answers, records, state.debrief.right,
                              state.debrief.asked, alerts))
    store = Store(db)
    now = time.time()
    with store._write() as write:
        residents = []
        for n in range(50):
            resident_id = secrets.token_hex(8)
            write.execute("INSERT INTO residents (id, class_id, name, session_hash, joined) VALUES (?, ?, ?, ?, ?)",
                          (resident_id, class_id, f"Earlier resident {n + 1}", session_hash(secrets.token_hex(16)),
                           now - 86400))
            residents.append(resident_id)
        for n in range(count):
            key, name, case_seed, answers, records, right, asked, alerts = templates[rng.randrange(len(templates))]
            attempt_id = secrets.token_urlsafe(12)
            resident_id = residents[n % 50] if n % 5 else None
            begun = now - 86400 + n
            write.execute("INSERT INTO attempts (id, pathway_key, case_name, seed, answers, started, finished, right, "
                          "asked, resident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (attempt_id, key, name, case_seed, json.dumps(answers), begun, begun + 300, right, asked,
                           resident_id))
            write.executemany("INSERT INTO attempt_alerts (attempt_id, decision, code) VALUES (?, ?, ?)",
                              [(attempt_id, d, c) for d, c in alerts])
            for record in records:
                store._record(write, attempt_id, key, class_id if resident_id else None, record)
    store.close()
    return time.perf_counter() - started, residents[0]


def class_resident(host: str, port: int, number: int, code: str, args, recorder: Recorder) -> None:
    """Join the class, then play every assignment from the home page (which is loaded before and after)."""
    rng = random.Random(args.seed * 100_003 + number)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        if args.think:
            # typing the join code and a name: with a pause, residents arrive over the first 2 x think
            # seconds, as a class does; without one (--think 0) all join in the same instant
            time.sleep(args.think * rng.uniform(0.0, 2.0))
        status, headers, _ = request(conn, recorder, "join (POST)", "POST", "/join",
                                     {"code": code, "name": f"Resident {number + 1}"}, 303)
        cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
        if status != 303 or not cookie:
            return
        _, _, home = request(conn, recorder, "home with assignments (GET)", "GET", "/", cookie=cookie)
        for start in re.findall(r'action="(/assignments/[0-9a-f]+/start)"', home):
            status, headers, _ = request(conn, recorder, "start assignment (POST)", "POST", start, {}, 303,
                                         cookie=cookie)
            if status != 303:
                continue
            path = urllib.parse.urlsplit(headers["Location"]).path
            for _ in range(30):
                status, _, page = request(conn, recorder, "decision page (GET)", "GET", path, cookie=cookie)
                if 'id="debrief"' in page:
                    with recorder.lock:
                        recorder.finished.append(path.rsplit("/", 1)[-1])
                    break
                options, decision = OPTION.findall(page), DECISION.search(page)
                if status != 200 or not options or not decision:
                    recorder.error(f"no decision on {path}")
                    break
                if args.think:
                    time.sleep(args.think * rng.uniform(0.5, 1.5))
                request(conn, recorder, "answer (POST)", "POST", path + "/answer",
                        {"decision": decision.group(1), "option": rng.choice(options)}, 303, cookie=cookie)
            request(conn, recorder, "home with assignments (GET)", "GET", "/", cookie=cookie)
    except (OSError, http.client.HTTPException) as error:
        recorder.error(f"resident {number}: {type(error).__name__}: {error}")
    finally:
        conn.close()


def teacher_pages(db: str, class_id: str, seeded_resident: str) -> list[tuple[str, str]]:
    """(page kind, path) of every teacher page the class mode times, read from the seeded database."""
    from sarcoma_sim.web.store import Store

    store = Store(db)
    try:
        point = store.decision_points("gist", class_id)[0]["point"]
        option = store.point_options("gist", point, class_id)[0]["text"]
        _, behind = store.option_attempts("gist", point, option, class_id, limit=1)
    finally:
        store.close()
    klass = f"class={class_id}"
    base = f"/teacher/cases/gist/points/{point}"
    return [("teacher view", "/teacher"), ("class page", f"/teacher/classes/{class_id}"),
            ("resident page (seeded)", f"/teacher/classes/{class_id}/residents/{seeded_resident}"),
            ("cases (class)", f"/teacher/cases?{klass}"), ("cases (all)", "/teacher/cases"),
            ("decision points (class)", f"/teacher/cases/gist?{klass}"),
            ("decision point (class)", f"{base}?{klass}"), ("decision point (all)", base),
            ("who chose it (class)", f"{base}/chose?{klass}&option={urllib.parse.quote(option)}"),
            ("attempt page", f"/teacher/attempts/{behind[0]['attempt']}")]


def run_class(args) -> int:
    """The class mode: a class on assignments and a teacher on the drill-down, with ``--seeded`` stored attempts."""
    recorder = Recorder()
    with server(args) as (host, port, db):
        teacher = http.client.HTTPConnection(host, port, timeout=60)
        _, headers, _ = request(teacher, recorder, "setup", "POST", "/teacher/classes", {"name": "Benchmark class"},
                                303)
        class_path = urllib.parse.urlsplit(headers["Location"]).path
        class_id = class_path.rsplit("/", 1)[-1]
        _, _, page = request(teacher, recorder, "setup", "GET", class_path)
        code = re.search(r'id="join-code">([A-Z0-9]+)<', page).group(1)
        for form in ({"case": "gist", "seed": "11", "map": "shown", "due": ""},
                     {"case": "leiomyosarcoma", "seed": "", "map": "hidden", "due": ""}):
            request(teacher, recorder, "setup", "POST", class_path + "/assignments", form, 303)
        seconds, seeded_resident = seed_attempts(db, class_id, args.seeded, args.seed)
        pages = teacher_pages(db, class_id, seeded_resident)
        for kind, path in pages:  # warm-up: a first load parses the pathways and fills the page caches
            request(teacher, recorder, "warm-up", "GET", path)
        recorder.latencies.clear()
        done = threading.Event()

        def teach():
            rounds = 0
            while not done.is_set() or rounds < args.teacher_rounds:
                for kind, path in pages:
                    request(teacher, recorder, kind, "GET", path)
                rounds += 1

        teacher_thread = threading.Thread(target=teach)
        threads = [threading.Thread(target=class_resident, args=(host, port, i, code, args, recorder))
                   for i in range(args.residents)]
        started = time.perf_counter()
        teacher_thread.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        teacher_thread.join()
        wall = time.perf_counter() - started
        from sarcoma_sim.web.store import Store
        stored = Store(db).count_finished(recorder.finished)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3

    print(f"web load, class mode: {args.residents} residents joining one class and playing its 2 assignments, "
          f"one teacher on the drill-down; {args.seeded} attempts seeded in {seconds:.1f} s; seed {args.seed}, "
          f"think time {args.think:g} s")
    total = sum(len(v) for v in recorder.latencies.values())
    print(f"requests: {total} in {wall:.1f} s = {total / wall:.0f} requests/s; load average after the run "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (a shared machine: figures are noisy)")
    met = not recorder.errors and stored == len(recorder.finished)
    for group, target, kinds in (("resident pages", 0.2, [k for k in recorder.latencies if k not in TEACHER_PAGES]),
                                 ("teacher pages", 0.5, [k for k in TEACHER_PAGES if k in recorder.latencies])):
        print(f"{group} (target p95 < {1000 * target:.0f} ms):")
        for kind in sorted(kinds):
            values = recorder.latencies[kind]
            p95 = percentile(values, 0.95)
            met = met and p95 < target
            print(f"  {kind:30s} n={len(values):5d}  p50 {1000 * statistics.median(values):7.1f} ms  "
                  f"p95 {1000 * p95:7.1f} ms  {'ok' if p95 < target else 'MISSED'}")
    print(f"errors: {len(recorder.errors)}" + (f" (first: {recorder.errors[0]})" if recorder.errors else ""))
    print(f"finished attempts: {len(recorder.finished)}; stored as finished: {stored}; "
          f"lost: {len(recorder.finished) - stored}")
    print("goal (every p95 under its target, no errors, no lost attempts): " + ("met" if met else "NOT met"))
    return 0 if met else 1


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    """Run the load and print the figures; exit 1 when the goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--cases", type=int, default=2, help="cases per resident")
    parser.add_argument("--time-limit", type=float, default=120.0, help="no new case after this many seconds")
    parser.add_argument("--diagrams", action="store_true", help="also load each page's SVG diagram")
    parser.add_argument("--maps", action="store_true",
                        help="also open the whole map (its page and SVG) at every decision")
    parser.add_argument("--subtypes", nargs="+", choices=SUBTYPES, default=list(SUBTYPES),
                        help="the cases residents pick from (default: every shipped subtype)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a resident reads before answering")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--db", help="the running server's database (with --url)")
    parser.add_argument("--fault", action="store_true", help="SIGKILL and restart the server during the run")
    parser.add_argument("--class-run", action="store_true",
                        help="a class on assignments and a teacher on the drill-down pages (issue 20)")
    parser.add_argument("--seeded", type=int, default=10_000, help="with --class-run: attempts stored beforehand")
    parser.add_argument("--teacher-rounds", type=int, default=3,
                        help="with --class-run: rounds of teacher pages at least")
    parser.add_argument("--duration", type=float, default=30.0, help="with --fault: seconds the residents play")
    parser.add_argument("--kill-at", type=float, help="with --fault: seconds before the kill (default duration/2)")
    args = parser.parse_args()
    if not 1 <= args.residents <= MAX_RESIDENTS:
        parser.error(f"--residents: expected 1 to {MAX_RESIDENTS}")
    if args.url and not args.db:
        parser.error("--url needs --db to check the stored attempts")
    if args.fault:
        if args.url:
            parser.error("--fault starts its own server; it cannot be used with --url")
        if not 1 <= args.duration <= 3600 or (args.kill_at is not None and not 0 < args.kill_at < args.duration):
            parser.error("--duration: 1 to 3600 seconds; --kill-at: between 0 and --duration")
        return run_faults(args)
    if args.class_run:
        if args.url:
            parser.error("--class-run starts its own server; it cannot be used with --url")
        if not 0 <= args.seeded <= 1_000_000:
            parser.error("--seeded: 0 to 1000000")
        return run_class(args)

    recorder = Recorder()
    with server(args) as (host, port, db):
        request(http.client.HTTPConnection(host, port, timeout=60), recorder, "warm-up", "GET", "/")
        recorder.latencies.clear()
        deadline = time.monotonic() + args.time_limit
        threads = [threading.Thread(target=resident, args=(host, port, i, args, recorder, deadline))
                   for i in range(args.residents)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        from sarcoma_sim.web.store import Store
        stored = Store(db).count_finished(recorder.finished)

    total = sum(len(v) for v in recorder.latencies.values())
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"web load: {args.residents} concurrent residents, {args.cases} case(s) each, seed {args.seed}"
          f"{', with diagrams' if args.diagrams else ''}{', opening the whole map' if args.maps else ''}, "
          f"think time {args.think:g} s; cases of {', '.join(args.subtypes)}")
    print(f"requests: {total} in {wall:.1f} s = {total / wall:.0f} requests/s; load average after the run "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kind, values in sorted(recorder.latencies.items()):
        print(f"  {kind:28s} n={len(values):5d}  p50 {1000 * statistics.median(values):7.1f} ms  "
              f"p95 {1000 * percentile(values, 0.95):7.1f} ms  max {1000 * max(values):7.1f} ms")
    if args.maps:
        print("  (map page: its HTML and its map.svg as one figure; cold: asked before the server had returned "
              "any map of the subtype)")
    print(f"errors: {len(recorder.errors)}" + (f" (first: {recorder.errors[0]})" if recorder.errors else ""))
    print(f"finished attempts: {len(recorder.finished)}; stored as finished in the database: {stored}; "
          f"lost: {len(recorder.finished) - stored}")
    decision = recorder.latencies.get("decision page (GET)", [float("inf")])
    met = percentile(decision, 0.95) < 0.2 and not recorder.errors and stored == len(recorder.finished)
    print("goal (p95 decision page < 200 ms, no errors, no lost attempts): " + ("met" if met else "NOT met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
