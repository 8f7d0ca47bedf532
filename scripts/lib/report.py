#!/usr/bin/env python3
"""Turns the fio JSON files of a comparison run into a table, a Markdown
summary and PNG plots (drawn with gnuplot).

Input: a folder with one JSON file per run, named
    TARGET__WORKLOAD__ENGINE__rREP.json
and optionally meta.json ({"title": ..., "notes": [...], "ours": [engines...]}).
Output: the table on stdout; summary.md, results.csv and plots/*.png in the
folder.
"""
import json
import os
import statistics
import subprocess
import sys


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


def pct99(side):
    lat = side.get("lat_ns") or {}
    pcts = lat.get("percentile") or (side.get("clat_ns") or {}).get("percentile") or {}
    for key in ("99.000000", "99.00"):
        if key in pcts:
            return pcts[key] / 1000.0
    return None


def metrics(jobs):
    """IOPS, MB/s, mean and p99 latency (us), CPU us per I/O, errors."""
    iops = bw = 0.0
    ios = 0
    lat_weighted = 0.0
    p99 = None
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
            side_p99 = pct99(side)
            if side_p99 is not None:
                p99 = side_p99 if p99 is None else max(p99, side_p99)
        ios += job_ios
        cpu_us += (job.get("usr_cpu", 0.0) + job.get("sys_cpu", 0.0)) / 100.0 * runtime_s * 1e6
    return {
        "iops": iops,
        "mbps": bw / 1e6,
        "lat_mean_us": lat_weighted / ios if ios else None,
        "lat_p99_us": p99,
        "cpu_us_per_io": cpu_us / ios if ios else None,
        "errors": errors,
    }


def collect(folder):
    runs = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json") or name == "meta.json":
            continue
        parts = name[:-5].split("__")
        if len(parts) != 4:
            continue
        target, workload, engine, rep = parts
        try:
            m = metrics(load_run(os.path.join(folder, name)))
        except (ValueError, json.JSONDecodeError) as e:
            print(f"report: skipping {name}: {e}", file=sys.stderr)
            continue
        runs.setdefault((target, workload, engine), []).append(m)
    return runs


def summarize(reps):
    def med(key):
        vals = [r[key] for r in reps if r[key] is not None]
        return statistics.median(vals) if vals else None

    iops = [r["iops"] for r in reps]
    return {
        "reps": len(reps),
        "iops": med("iops"),
        "iops_min": min(iops),
        "iops_max": max(iops),
        "mbps": med("mbps"),
        "lat_mean_us": med("lat_mean_us"),
        "lat_p99_us": med("lat_p99_us"),
        "cpu_us_per_io": med("cpu_us_per_io"),
        "errors": sum(r["errors"] for r in reps),
    }


def fmt(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) < 10 and digits < 2:
        digits = 2
    return f"{v:.{digits}f}"


def main():
    folder = sys.argv[1]
    meta = {}
    meta_path = os.path.join(folder, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    ours = set(meta.get("ours", []))
    runs = collect(folder)
    if not runs:
        print("report: no fio results found", file=sys.stderr)
        return 1

    rows = []
    for (target, workload, engine), reps in sorted(runs.items()):
        rows.append((target, workload, engine, summarize(reps)))

    # Ratio of ours to the best builtin engine of the same target and workload.
    best_builtin = {}
    for target, workload, engine, s in rows:
        if engine in ours or s["iops"] is None:
            continue
        key = (target, workload)
        if key not in best_builtin or s["iops"] > best_builtin[key][1]["iops"]:
            best_builtin[key] = (engine, s)

    header = ["target", "workload", "engine", "IOPS (median)", "min-max", "MB/s",
              "mean lat us", "p99 lat us", "CPU us/IO", "ours/builtin"]
    table = []
    for target, workload, engine, s in rows:
        ratio = "-"
        base = best_builtin.get((target, workload))
        if engine in ours and base and base[1]["iops"]:
            ratio = f"{s['iops'] / base[1]['iops']:.2f}x vs {base[0]}"
        table.append([target, workload, engine, fmt(s["iops"], 0),
                      f"{fmt(s['iops_min'], 0)}-{fmt(s['iops_max'], 0)}",
                      fmt(s["mbps"]), fmt(s["lat_mean_us"]), fmt(s["lat_p99_us"]),
                      fmt(s["cpu_us_per_io"], 2), ratio + (f" ({s['errors']} errors)" if s["errors"] else "")])

    widths = [max(len(str(r[i])) for r in [header] + table) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for r in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

    with open(os.path.join(folder, "results.csv"), "w") as f:
        f.write(",".join(header) + "\n")
        for r in table:
            f.write(",".join(str(c).replace(",", "") for c in r) + "\n")

    with open(os.path.join(folder, "summary.md"), "w") as f:
        f.write(f"# {meta.get('title', 'blkengine comparison')}\n\n")
        for note in meta.get("notes", []):
            f.write(f"- {note}\n")
        f.write("\n| " + " | ".join(header) + " |\n")
        f.write("|" + "---|" * len(header) + "\n")
        for r in table:
            f.write("| " + " | ".join(str(c) for c in r) + " |\n")
        f.write("\nMedians over the repetitions; min-max is the IOPS range. Latency is fio's total "
                "latency (submission to completion); p99 is the worse of read and write. CPU us/IO is "
                "fio's user+system CPU time divided by the I/Os completed. Raw fio JSON is in this folder.\n")
        f.write("\n![IOPS](plots/iops.png)\n\n![latency](plots/latency.png)\n")

    plot(folder, rows)
    return 0


def plot(folder, rows):
    plots = os.path.join(folder, "plots")
    os.makedirs(plots, exist_ok=True)
    groups = sorted({(t, w) for t, w, _, _ in rows})
    engines = sorted({e for _, _, e, _ in rows})
    for metric, title, fname in (("iops", "IOPS (median)", "iops"),
                                 ("lat_mean_us", "mean latency (us)", "latency"),
                                 ("lat_p99_us", "p99 latency (us)", "latency-p99")):
        data = os.path.join(plots, f"{fname}.dat")
        with open(data, "w") as f:
            f.write("group " + " ".join(f'"{e}"' for e in engines) + "\n")
            for t, w in groups:
                vals = []
                for e in engines:
                    s = next((s for tt, ww, ee, s in rows if (tt, ww, ee) == (t, w, e)), None)
                    v = s[metric] if s else None
                    vals.append("?" if v is None else f"{v:.3f}")
                f.write(f'"{t}\\n{w}" ' + " ".join(vals) + "\n")
        script = f"""
set terminal pngcairo size 1400,600 noenhanced font ",9"
set output "{os.path.join(plots, fname + '.png')}"
set title "{title}"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key outside right top
set xtics rotate by -30 left
set grid ytics
set datafile missing "?"
set yrange [0:*]
plot for [i=2:{len(engines) + 1}] "{data}" using i:xtic(1) title columnheader(i)
"""
        res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if res.returncode != 0:
            print(f"report: gnuplot failed for {fname}: {res.stderr.strip()}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
