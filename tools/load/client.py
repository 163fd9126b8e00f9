# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""The load test's clients: JSON-RPC to Odoo, the processes creating leads and the
manager working them (each writes one JSON line per request)."""

import json
import random
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"
PASSWORD = "load-test"  # noqa: S105 - throwaway users of a throwaway database
REQUEST_TIMEOUT = 300


class RpcError(Exception):
    """An error Odoo returned (the request reached it and failed)."""


def rpc(url, service, method, *args):
    """One JSON-RPC call to ``url`` (always the loopback server)."""
    assert url.startswith(f"http://{HOST}:"), url
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": random.randint(1, 1 << 30),
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/jsonrpc", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
        data = json.load(response)
    if data.get("error"):
        err = data["error"].get("data") or {}
        name = err.get("name") or data["error"].get("message")
        message = (err.get("message") or "").strip().splitlines()
        raise RpcError(f"{name}: {message[0] if message else ''}")
    return data["result"]


def call(ctx, model, method, args, kwargs=None):
    return rpc(
        ctx["url"],
        "object",
        "execute_kw",
        ctx["db"],
        ctx["uid"],
        PASSWORD,
        model,
        method,
        args,
        kwargs or {},
    )


def error_text(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"connection: {exc.reason}"
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}"[:200]


# --------------------------------------------------------------------------- clients
def creator(ctx, index, quota, phase, out_path, deadline):
    """Create ``quota`` routed leads (batches of 50 and single leads), plus
    baseline creates in the routing-off company; one JSON line per request."""
    from .scenario import BATCH, RULES, SINGLES_PER_BATCH  # the plan (imports us)

    rnd = random.Random(f"{phase}-{index}")
    seq = 0
    company_on, company_off = ctx["company_on"], ctx["company_off"]
    allowed = {"allowed_company_ids": [company_on, company_off]}

    def values(company, count, named=False):
        nonlocal seq
        out = []
        for _i in range(count):
            seq += 1
            vals = {
                "name": f"L{rnd.randrange(RULES)}-{phase}-c{index}-{seq}",
                "type": "lead",
                "company_id": company,
                "email_from": f"buyer{seq}@acct{rnd.randrange(150)}.example.com",
                "expected_revenue": rnd.choice((500, 5000, 20000, 80000)),
            }
            # The integration's own team in each company (Odoo's default
            # team would be any team the user sees, of either company).
            vals["team_id"] = ctx["team_off" if company == company_off else "team_on"]
            if named:
                vals["user_id"] = ctx["people_off"][seq % len(ctx["people_off"])]
            out.append(vals)
        return out

    created = 0
    with open(out_path, "w", encoding="utf-8") as out:
        cycle = 0
        while created < quota and time.time() < deadline:
            plan = [("batch", "on", min(BATCH, quota - created))]
            plan += [("single", "on", 1)] * SINGLES_PER_BATCH
            plan += [("single", "off", 1), ("single", "named", 1)] * 2
            if cycle % 3 == 0:
                plan.append(("batch", "off", BATCH))
            rnd.shuffle(plan)
            cycle += 1
            for kind, routing, count in plan:
                if routing == "on":
                    count = min(count, quota - created)
                    if count <= 0:
                        continue
                if time.time() >= deadline:
                    break
                vals = values(
                    company_on if routing == "on" else company_off,
                    count,
                    named=routing == "named",
                )
                record = {
                    "client": index,
                    "phase": phase,
                    "kind": kind,
                    "routing": routing,
                    "n": count,
                    "names": [v["name"] for v in vals],
                    "t0": time.time(),
                }
                started = time.perf_counter()
                try:
                    ids = call(ctx, "crm.lead", "create", [vals], {"context": allowed})
                    record["ids"] = ids if isinstance(ids, list) else [ids]
                except Exception as exc:  # noqa: BLE001 - recorded, reported
                    record["error"] = error_text(exc)
                record["dt"] = time.perf_counter() - started
                if routing == "on":
                    created += count
                out.write(json.dumps(record) + "\n")
                out.flush()


def manager(ctx, index, role, phase, out_path, stop, deadline):
    """The sales manager's clicks: Mark as contacted, or Route now."""
    rnd = random.Random(f"{role}-{phase}-{index}")
    with open(out_path, "w", encoding="utf-8") as out:
        while not stop.is_set() and time.time() < deadline:
            record = {"client": f"{role}{index}", "phase": phase, "kind": role}
            started = time.perf_counter()
            record["t0"] = time.time()
            try:
                domain = [("company_id", "=", ctx["company_on"])]
                if role == "contact":
                    domain += [
                        ("routing_state", "=", "assigned"),
                        ("routing_first_touch_at", "=", False),
                    ]
                ids = call(
                    ctx,
                    "crm.lead",
                    "search",
                    [domain],
                    {"limit": 100, "order": "id desc"},
                )
                pick = rnd.sample(ids, min(len(ids), 5 if role == "contact" else 2))
                record["ids"] = pick
                if pick:
                    method = (
                        "action_routing_mark_contacted"
                        if role == "contact"
                        else "action_route"
                    )
                    call(ctx, "crm.lead", method, [pick])
            except Exception as exc:  # noqa: BLE001 - recorded, reported
                record["error"] = error_text(exc)
            record["dt"] = time.perf_counter() - started
            out.write(json.dumps(record) + "\n")
            out.flush()
            stop.wait(0.3 + rnd.random() * 0.4)
