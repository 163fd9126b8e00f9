# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Starting and stopping the Odoo servers of the load test (prefork, loopback
only), and talking to their database directly."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from benchlib import sql

from .client import HOST, REQUEST_TIMEOUT, rpc


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """Odoo in prefork mode; stopped (the whole process group) on every exit."""

    def __init__(self, odoo_cmd, addons, db, workdir, workers=4):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        Path(workdir).mkdir(parents=True, exist_ok=True)
        self.log = Path(workdir) / "odoo.log"
        cmd = [
            *self.launcher(odoo_cmd, workdir),
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--addons-path",
            addons,
            "--http-interface",
            HOST,
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--workers",
            str(workers),
            "--max-cron-threads",
            "1",
            "--limit-time-real",
            str(REQUEST_TIMEOUT),
            "--limit-time-cpu",
            str(REQUEST_TIMEOUT),
            "--no-database-list",
            "--logfile",
            str(self.log),
            "--log-level",
            "info",
        ]
        env = dict(os.environ)
        if len(odoo_cmd) == 2:  # a source tree's odoo-bin: make odoo importable
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(Path(odoo_cmd[1]).parent), env.get("PYTHONPATH")])
            )
        self.proc = subprocess.Popen(cmd, start_new_session=True, env=env)  # noqa: S603

    @staticmethod
    def launcher(odoo_cmd, workdir):
        """Odoo's master starts its long-polling server as ``python argv[0]
        gevent ...`` and starts it again whenever it exits. The load test
        needs none (no browser): Odoo is started from a small script whose
        ``gevent`` process only waits to be stopped with the others."""
        script = Path(workdir) / "odoo-bin"
        script.write_text(
            "import signal, sys\n"
            "if sys.argv[1:2] == ['gevent']:\n"
            "    signal.pause()\n"
            "    sys.exit(0)\n"
            "import odoo.cli\n"
            "odoo.cli.main()\n"
        )
        return [odoo_cmd[0], str(script)]

    def wait_ready(self, seconds=90):
        end = time.time() + seconds
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with {self.proc.returncode}; see {self.log}"
                )
            try:
                rpc(self.url, "common", "version")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer within {seconds} s; see {self.log}")

    def http_workers(self):
        """Pids of the live HTTP workers (children of the master, as logged)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields_ = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields_[1]) == self.proc.pid:
                children.add(int(stat.parent.name))
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        http = set()
        for line in text.splitlines():
            if "Worker WorkerHTTP (" in line:
                http.add(int(line.split("Worker WorkerHTTP (")[1].split(")")[0]))
        return sorted(children & http) or sorted(children)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


# --------------------------------------------------------------------------- database
def kick_cron(ctx):
    """Wake the deadline and queue crons now (the cron worker LISTENs)."""
    sql(
        ctx["db"],
        "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE id = ANY(%s);"
        "NOTIFY cron_trigger, %s",
        [[ctx["sla_cron"], ctx["queue_cron"]], ctx["db"]],
    )
