# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Engine micro-benchmark: ``python -m routing.bench [--leads N] [--candidates M]``.

Target: 100,000 leads over 500 candidates at >= 10,000 decisions/s with peak
memory under 300 MB. Exits non-zero when a target is missed (unless --no-check).
"""

import argparse
import random
import sys
import time
import tracemalloc

from . import strategies
from .engine import route_batch
from .facts import Candidate, Lead, Rule

TARGET_RATE, TARGET_MB = 10_000, 300


def build(n_leads, n_cands, n_rules=20, seed=1):
    rnd = random.Random(seed)
    cands = {
        i: Candidate(
            i,
            frozenset({1}),
            available=rnd.random() > 0.1,
            working_now=rnd.random() > 0.1,
            skills={s: rnd.randint(1, 5) for s in rnd.sample(range(10), 4)},
            score=rnd.uniform(0, 100),
            open_leads=rnd.randint(0, 20),
            max_open=rnd.choice([0, 0, 50, 400]),
            max_daily=rnd.choice([0, 0, 300]),
        )
        for i in range(1, n_cands + 1)
    }
    ids = list(cands)
    rules = []
    for r in range(n_rules):
        size = n_cands if r % 5 == 0 else rnd.randint(5, 60)
        rules.append(
            Rule(
                r + 1,
                r,
                strategies.codes()[r % len(strategies.codes())],
                tuple(rnd.sample(ids, size)),
                fixed_user_id=rnd.choice(ids),
                required_skill_ids=frozenset({r % 10}) if r % 4 == 0 else frozenset(),
                fallback="next_rule" if r < n_rules - 1 else "queue",
                fairness_floor=30.0,
            )
        )
    leads = [
        Lead(
            i,
            1,
            skill_ids=frozenset({rnd.randrange(10)})
            if rnd.random() < 0.3
            else frozenset(),
            rule_ids=(rnd.randint(1, n_rules - 1), n_rules),
            account_owner_ids=(rnd.choice(ids),) if rnd.random() < 0.3 else (),
        )
        for i in range(n_leads)
    ]
    return leads, cands, rules


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args(argv)
    leads, cands, rules = build(args.leads, args.candidates)
    # Timed without tracemalloc (it slows allocation-heavy code several times),
    # then run again under tracemalloc for the peak memory.
    t0 = time.perf_counter()
    result = route_batch(leads, cands, rules, explain_limit=10)
    seconds = time.perf_counter() - t0
    del result
    tracemalloc.start()
    result = route_batch(leads, cands, rules, explain_limit=10)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rate = len(leads) / seconds
    assigned = sum(1 for d in result.decisions if d.user_id)
    print(
        f"engine: {len(leads)} leads, {len(cands)} candidates, {len(rules)} rules: "
        f"{seconds:.2f} s, {rate:,.0f} decisions/s, peak {peak_mb:.0f} MB "
        f"({assigned} assigned)"
    )
    missed = []
    if rate < TARGET_RATE:
        missed.append(f"{rate:,.0f} decisions/s < {TARGET_RATE:,}")
    if peak_mb > TARGET_MB:
        missed.append(f"peak {peak_mb:.0f} MB > {TARGET_MB}")
    print("".join(f"TARGET MISSED: {msg}\n" for msg in missed), end="")
    return int(bool(missed) and not args.no_check)


if __name__ == "__main__":
    sys.exit(main())
