#!/usr/bin/env python3
"""Turns the fio JSON files of a comparison run into a table, a Markdown
summary and PNG plots (drawn with gnuplot).

Input: a folder with one JSON file per run, named
    TARGET__WORKLOAD__ENGINE__rREP.json
and optionally meta.json:
    {"title": ..., "notes": [...], "ours": [engines...],
     "libblkio": {"state": "measured" | "unavailable" | "not-needed",
                  "reason": why it is unavailable}}
Runs with back-end restarts (scripts/demo --restart-every) also leave
    TARGET__WORKLOAD__ENGINE__rREP.restarts   the restarts the demo made
    TARGET__WORKLOAD__ENGINE__rREP.outages    the engine's blk_reconnect_json
and get a table of their outages beside their IOPS.
instructions.csv (target,workload,engine,ios,total_ios,total_3ios: callgrind's
user-space instruction totals of runs of N and 3N I/Os) gives each target a
table of instructions per I/O, (total_3ios - total_ios) / 2N, beside fio's
null engine, the engines' shares (their count less null's) and the ratios
of ours to the builtin engine.
Every figure of the report comes from those files: an engine that
could not run here (fio's libblkio engine, when no fio with it could be
built) has no rows and no ratios, and the report says why.
Output: the table on stdout; summary.md, results.csv and plots/*.png in the
folder, one plot per target and metric.
"""
import json
import os
import statistics
import subprocess
import sys

PCTS = (("50.000000", "p50"), ("90.000000", "p90"), ("99.000000", "p99"),
        ("99.900000", "p99.9"))


def load_run(path):
    with open(path) as f:
        text = f.read()
    # fio may print warnings before the JSON document.
    start = text.find("{")
    if start < 0:
        raise ValueError(f"{path}: no JSON object")
    doc = json.loads(text[start:])
    jobs = doc.get("jobs", [])
    if not jobs:
        raise ValueError(f"{path}: no jobs")
    return jobs


def percentiles(side):
    """Total-latency percentiles (us) when fio recorded them, else completion latency."""
    pcts = (side.get("lat_ns") or {}).get("percentile") or \
        (side.get("clat_ns") or {}).get("percentile") or {}
    out = {}
    for key, name in PCTS:
        for k in (key, key[:5]):
            if k in pcts:
                out[name] = pcts[k] / 1000.0
                break
    return out


def metrics(jobs):
    """IOPS, MB/s, mean latency and percentiles (us), CPU us per I/O, errors."""
    iops = bw = 0.0
    ios = 0
    lat_weighted = 0.0
    pct = {}
    cpu_us = 0.0
    errors = 0
    for job in jobs:
        errors += job.get("error", 0)
        runtime_s = job.get("job_runtime", 0) / 1000.0
        job_ios = 0
        for ddir in ("read", "write", "trim"):
            side = job.get(ddir)
            if not side or not side.get("total_ios"):
                continue
            n = side["total_ios"]
            job_ios += n
            iops += side.get("iops", 0.0)
            bw += side.get("bw_bytes", side.get("bw", 0) * 1024)
            lat_weighted += (side.get("lat_ns") or {}).get("mean", 0.0) / 1000.0 * n
            # A mixed job's percentile is the worse of its directions.
            for name, v in percentiles(side).items():
                pct[name] = max(pct.get(name, v), v)
        ios += job_ios
        cpu_us += (job.get("usr_cpu", 0.0) + job.get("sys_cpu", 0.0)) / 100.0 * runtime_s * 1e6
    m = {
        "iops": iops,
        "mbps": bw / 1e6,
        "lat_mean_us": lat_weighted / ios if ios else None,
        "cpu_us_per_io": cpu_us / ios if ios else None,
        "errors": errors,
    }
    for _, name in PCTS:
        m[name] = pct.get(name)
    return m


def collect(folder):
    runs = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json") or name == "meta.json":
            continue
        parts = name[:-5].split("__")
        if len(parts) != 4:
            continue
        target, workload, engine, _ = parts
        try:
            m = metrics(load_run(os.path.join(folder, name)))
        except (ValueError, KeyError, json.JSONDecodeError) as e:
            print(f"report: skipping {name}: {e}", file=sys.stderr)
            continue
        runs.setdefault((target, workload, engine), []).append(m)
    return runs


def summarize(reps):
    def med(key):
        vals = [r[key] for r in reps if r.get(key) is not None]
        return statistics.median(vals) if vals else None

    iops = [r["iops"] for r in reps]
    s = {key: med(key) for key in ("iops", "mbps", "lat_mean_us", "cpu_us_per_io")}
    for _, name in PCTS:
        s[name] = med(name)
    s.update(reps=len(reps), iops_min=min(iops), iops_max=max(iops),
             errors=sum(r["errors"] for r in reps))
    return s


def collect_outages(folder):
    """Per (target, workload, engine): each repetition's restarts and outages."""
    out = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".outages"):
            continue
        base = name[:-len(".outages")]
        parts = base.split("__")
        if len(parts) != 4:
            continue
        try:
            with open(os.path.join(folder, name)) as f:
                recs = [json.loads(line) for line in f if line.strip()]
            with open(os.path.join(folder, base + ".restarts")) as f:
                restarts = int(f.read().strip() or 0)
        except (OSError, ValueError) as e:
            print(f"report: skipping {name}: {e}", file=sys.stderr)
            continue
        out.setdefault(tuple(parts[:3]), []).append({
            "restarts": restarts,
            "reconnects": max((r.get("reconnects", 0) for r in recs), default=0),
            "outages": [o for r in recs for o in r.get("outages", [])],
        })
    return out


OUTAGE_HEADER = ["workload", "engine", "IOPS (median)", "restarts", "reconnects",
                 "outages", "no completion s: median", "max", "resubmitted"]


def outage_rows(outages, runs):
    rows = []
    for (target, workload, engine), reps in sorted(outages.items(),
                                                    key=lambda kv: (kv[0][0], workload_key(kv[0][1]))):
        dark = [o["no_completion_s"] for r in reps for o in r["outages"]]
        iops = summarize(runs[(target, workload, engine)])["iops"] \
            if (target, workload, engine) in runs else None
        rows.append((target, [workload, engine, fmt(iops, 0),
                              sum(r["restarts"] for r in reps),
                              sum(r["reconnects"] for r in reps),
                              sum(len(r["outages"]) for r in reps),
                              fmt(statistics.median(dark), 3) if dark else "-",
                              fmt(max(dark), 3) if dark else "-",
                              sum(o["resubmitted"] for r in reps for o in r["outages"])]))
    return rows


def fmt(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) < 10 and digits < 2:
        digits = 2
    return f"{v:.{digits}f}"


def workload_key(w):
    """Orders workloads as a reader expects: QD1 first, reads before writes."""
    order = ("randread-4k-qd1", "randread-4k-qd1-poll", "randread-4k-qd32",
             "randwrite-4k-qd32", "seqread-128k-qd8", "randrw70-4k-qd16")
    return (order.index(w) if w in order else len(order), w)


HEADER = ["target", "workload", "engine", "IOPS (median)", "min-max", "MB/s",
          "mean lat us", "p99 lat us", "CPU us/IO", "ours/builtin"]


def build_rows(runs, ours):
    rows = []
    for (target, workload, engine), reps in runs.items():
        rows.append((target, workload, engine, summarize(reps)))
    rows.sort(key=lambda r: (r[0], workload_key(r[1]), r[2] not in ours, r[2]))

    # Ratio of ours to each builtin engine of the same target and workload.
    builtin = {}
    for target, workload, engine, s in rows:
        if engine in ours or not s["iops"]:
            continue
        builtin.setdefault((target, workload), []).append((engine, s))

    table = []
    for target, workload, engine, s in rows:
        ratio = "-"
        bases = builtin.get((target, workload), [])
        if engine in ours and bases:
            ratio = ", ".join(f"{s['iops'] / b['iops']:.2f}x vs {e}" for e, b in bases)
        if s["errors"]:
            ratio += f" ({s['errors']} errors)"
        table.append([target, workload, engine, fmt(s["iops"], 0),
                      f"{fmt(s['iops_min'], 0)}-{fmt(s['iops_max'], 0)}",
                      fmt(s["mbps"]), fmt(s["lat_mean_us"]), fmt(s["p99"]),
                      fmt(s["cpu_us_per_io"], 2), ratio])
    return rows, table


def print_table(table):
    widths = [max(len(str(r[i])) for r in [HEADER] + table) for i in range(len(HEADER))]
    line = "  ".join(h.ljust(w) for h, w in zip(HEADER, widths))
    print(line)
    print("-" * len(line))
    prev = None
    for r in table:
        if prev is not None and r[0] != prev:
            print()
        prev = r[0]
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def md_table(header, rows):
    out = "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
    for r in rows:
        out += "| " + " | ".join(str(c) for c in r) + " |\n"
    return out


def blkio_status(meta):
    """The line that says why fio's libblkio engine is missing, or None."""
    blkio = meta.get("libblkio") or {}
    if blkio.get("state") != "unavailable":
        return None
    reason = blkio.get("reason") or "no reason recorded"
    return ("fio's libblkio engine was not run: no fio with it could be built or run "
            f"({reason}). This report has no libblkio figures and no ratios against it.")


INSTR_HEADER = ["workload", "engine", "instr/IO", "share", "ours/builtin total",
                "ours/builtin share"]


def collect_instructions(folder, ours):
    """{target: [table rows]} from instructions.csv, or {}."""
    path = os.path.join(folder, "instructions.csv")
    if not os.path.exists(path):
        return {}
    counts = {}
    with open(path) as f:
        next(f, None)
        for line in f:
            target, workload, engine, n, t1, t3 = line.strip().split(",")
            counts.setdefault(target, {}).setdefault(workload, {})[engine] = \
                (int(t3) - int(t1)) / (2 * int(n))
    out = {}
    for target, workloads in counts.items():
        rows = []
        for workload in sorted(workloads, key=workload_key):
            per = workloads[workload]
            null = per.get("null")
            mine = next((v for e, v in per.items() if e in ours), None)
            for engine in sorted(per, key=lambda e: (e not in ours, e == "null", e)):
                v = per[engine]
                share = v - null if null is not None and engine != "null" else None
                tot_ratio = share_ratio = ""
                if engine not in ours and engine != "null" and mine is not None:
                    tot_ratio = f"{mine / v:.3f}"
                    mine_share = mine - null if null is not None else None
                    if share and share > 0 and mine_share and mine_share > 0:
                        share_ratio = f"{mine_share / share:.3f}"
                rows.append([workload, engine, f"{v:.0f}",
                             "" if share is None else f"{share:.0f}", tot_ratio, share_ratio])
        out[target] = rows
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: report.py FOLDER", file=sys.stderr)
        return 2
    folder = sys.argv[1]
    meta = {}
    meta_path = os.path.join(folder, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    ours = set(meta.get("ours", []))
    runs = collect(folder)
    if not runs:
        print(f"report: no fio results found in {folder}", file=sys.stderr)
        return 1
    rows, table = build_rows(runs, ours)
    blkio = blkio_status(meta)
    restarts = outage_rows(collect_outages(folder), runs)
    instructions = collect_instructions(folder, ours)

    if blkio:
        print(blkio + "\n")
    print_table(table)
    if restarts:
        print("\nBack-end restarts (summed over the repetitions):")
        widths = [max(len(str(r[i])) for r in [OUTAGE_HEADER] + [r for _, r in restarts])
                  for i in range(len(OUTAGE_HEADER))]
        print("  ".join(h.ljust(w) for h, w in zip(["target"] + OUTAGE_HEADER, [12] + widths)))
        for target, r in restarts:
            print("  ".join(str(c).ljust(w) for c, w in zip([target] + r, [12] + widths)))

    for target, irows in sorted(instructions.items()):
        print(f"\n{target}: user-space instructions per I/O (callgrind):")
        widths = [max(len(str(r[i])) for r in [INSTR_HEADER] + irows)
                  for i in range(len(INSTR_HEADER))]
        print("  ".join(h.ljust(w) for h, w in zip(INSTR_HEADER, widths)))
        for r in irows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

    with open(os.path.join(folder, "results.csv"), "w") as f:
        cols = HEADER[:6] + ["mean lat us"] + [f"{n} lat us" for _, n in PCTS] + HEADER[8:]
        f.write(",".join(cols) + "\n")
        for (t, w, e, s), r in zip(rows, table):
            vals = r[:6] + [fmt(s["lat_mean_us"])] + [fmt(s[n]) for _, n in PCTS] + r[8:]
            f.write(",".join(str(c).replace(",", "") for c in vals) + "\n")

    plots = plot(folder, rows, ours)
    with open(os.path.join(folder, "summary.md"), "w") as f:
        f.write(f"# {meta.get('title', 'blkengine comparison')}\n\n")
        if blkio:
            f.write(f"**{blkio}**\n\n")
        for note in meta.get("notes", []):
            f.write(f"- {note}\n")
        f.write("\nMedians over the repetitions; min-max is the IOPS range. Latency is fio's total "
                "latency (submission to completion); percentiles of a mixed workload are the worse "
                "of read and write. CPU us/IO is fio's user+system CPU time divided by the I/Os it "
                "completed (the back-end's CPU is not in it). ours/builtin is the IOPS ratio to each "
                "of fio's builtin engines on the same target. Every figure comes from this run's "
                "fio JSON, in this folder.\n")
        for target in sorted({r[0] for r in table}):
            f.write(f"\n## {target}\n\n")
            f.write(md_table(HEADER[1:], [r[1:] for r in table if r[0] == target]))
            f.write("\nLatency percentiles (us):\n\n")
            f.write(md_table(["workload", "engine"] + [n for _, n in PCTS],
                             [[w, e] + [fmt(s[n]) for _, n in PCTS]
                              for t, w, e, s in rows if t == target]))
            f.write("\n")
            trows = [r for t, r in restarts if t == target]
            if trows:
                f.write("Back-end restarts, summed over the repetitions: restarts made by the demo, "
                        "reconnects and outages counted by the engine (blk_reconnect_json), how long "
                        "no I/O completed per outage, requests resubmitted:\n\n")
                f.write(md_table(OUTAGE_HEADER, trows))
                f.write("\n")
            irows = instructions.get(target)
            if irows:
                f.write("User-space instructions per I/O, counted by callgrind (runs of N and 3N "
                        "I/Os, the difference over 2N; the same on every run, unlike a time); "
                        "share = the engine's count less fio's null engine's; ours/builtin: "
                        "our engine's total and share over the builtin engine's:\n\n")
                f.write(md_table(INSTR_HEADER, irows))
                f.write("\n")
            for name, title in plots.get(target, []):
                f.write(f"![{title}](plots/{name}.png)\n\n")
    return 0


def log_scale(values):
    """A log axis when the values span more than a factor of 30."""
    vals = [v for v in values if v]
    return bool(vals) and max(vals) / min(vals) > 30


def gnuplot(script, name):
    try:
        res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    except FileNotFoundError:
        print("report: gnuplot not found (apt-get install gnuplot-nox); no plots", file=sys.stderr)
        return False
    if res.returncode != 0:
        print(f"report: gnuplot failed for {name}: {res.stderr.strip()}", file=sys.stderr)
        return False
    return True


# One chart per target and metric, each of a readable width whatever the
# number of targets: a target has at most a few workloads and engines.
PLOT_WIDTH = 1000
PLOT_HEIGHT = 500


# Level group labels with the key below them; slanted labels run to the
# right of their bar, so the right margin takes them and the key.
LEVEL = "set key outside below center horizontal\nset xtics nomirror"
ROTATED = ("set key outside right top vertical\nset xtics rotate by -35 left nomirror\n"
           "set bmargin 12\nset rmargin 30")


def histogram(plots, name, title, ylabel, columns, groups, values, rotate=False):
    """One clustered bar chart: groups on x, one bar per column. rotate:
    slanted group labels, for many groups with long names."""
    data = os.path.join(plots, f"{name}.dat")
    flat = []
    with open(data, "w") as f:
        f.write("group " + " ".join(f'"{c}"' for c in columns) + "\n")
        for g, vals in zip(groups, values):
            flat += [v for v in vals if v is not None]
            f.write(f'"{g}" ' + " ".join("?" if v is None else f"{v:.3f}" for v in vals) + "\n")
    log = log_scale(flat)
    script = f"""
set terminal pngcairo size {PLOT_WIDTH},{PLOT_HEIGHT} noenhanced font ",9"
set output "{os.path.join(plots, name + '.png')}"
set title "{title}{' (log scale)' if log else ''}"
set ylabel "{ylabel}"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
{ROTATED if rotate else LEVEL}
set grid ytics
set datafile missing "?"
{'set logscale y' if log else 'set yrange [0:*]'}
plot for [i=2:{len(columns) + 1}] "{data}" using i:xtic(1) title columnheader(i)
"""
    return gnuplot(script, name)


def plot(folder, rows, ours):
    """Writes plots/*.png, one per target and metric; returns
    {target: [(name, title)]} of those drawn."""
    plots = os.path.join(folder, "plots")
    os.makedirs(plots, exist_ok=True)
    drawn = {}
    by_key = {(t, w, e): s for t, w, e, s in rows}
    for target in sorted({t for t, _, _, _ in rows}):
        mine = [(w, e, s) for t, w, e, s in rows if t == target]
        workloads = sorted({w for w, _, _ in mine}, key=workload_key)
        engines = sorted({e for _, e, _ in mine}, key=lambda e: (e not in ours, e))
        for metric, what, ylabel, kind in (
                ("iops", "IOPS (median)", "IOPS", "iops"),
                ("mbps", "bandwidth (median)", "MB/s", "bandwidth"),
                ("lat_mean_us", "mean latency", "us", "latency"),
                ("p99", "p99 latency", "us", "latency-p99")):
            name = f"{kind}-{target}"
            title = f"{target}: {what}"
            values = [[(by_key.get((target, w, e)) or {}).get(metric) for e in engines]
                      for w in workloads]
            if histogram(plots, name, title, ylabel, engines, workloads, values):
                drawn.setdefault(target, []).append((name, title))
        # Percentiles: a cluster of p50..p99.9 per workload and engine.
        name = f"percentiles-{target}"
        title = f"{target}: latency percentiles"
        if histogram(plots, name, title, "us", [n for _, n in PCTS],
                     [f"{w} {e}" for w, e, _ in mine],
                     [[s[n] for _, n in PCTS] for _, _, s in mine], rotate=True):
            drawn.setdefault(target, []).append((name, title))
    for f in os.listdir(plots):
        if f.endswith(".dat"):
            os.unlink(os.path.join(plots, f))
    return drawn


if __name__ == "__main__":
    sys.exit(main())
