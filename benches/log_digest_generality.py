#!/usr/bin/env python3
"""Generality of `velo log-digest`: grouping accuracy (GA) and level counts on logs it was not
developed on, and how much GA moves under metamorphic transforms. Run it through
benches/log_digest_generality.sh (which builds velo and finds ../shared).

Datasets:
  dev      the generated formats of the development half (make_logs.py --half dev)
  held     the generated held-out half: report only, never tune on it
  loghub   the ten shared Loghub-2k sets (SHARED/data/loghub), when present
  extra    more Loghub-2k sets from a folder you give (--extra DIR, e.g. the six of
           logpai/loghub not in shared/): report only
  headers  the header matrix (fixtures/log-digest/header_matrix.py): one pool of Loghub messages
           under many composed headers; GA drop = GA(with header) - GA(same messages bare)
  meta     every metamorphic transform (fixtures/log-digest/metamorphic.py) of the loghub,
           dev and held datasets; GA drop = GA(transformed) - GA(original)

For each dataset velo runs once with no settings (the figure that counts) and, for the base
datasets, once with the header format given as --log-format (what header inference costs).
Level counts: the events velo counts as warning, and as error or worse (error + fatal), in
`--format json`'s "levels", against the truth (events whose level the text shows: the
generator's levels file; Loghub's Level column where a set has one).

Why lines are grouped wrong (benches/log_digest_why.py): lines by class of cause, never lines,
words or templates; per dataset for dev and loghub, in aggregate for every set (a held-out set
only in aggregate, in the table and in the JSON). Only the halves asked for are generated: a run
without held (in --sets, or in --meta-on with meta) never writes the held-out half.
For the base sets (not the transforms) also which stage decides each wrong line (record,
header, mask, miner: velo re-run on single truth events, capped), the same way: per dataset
for dev and loghub, a held-out set in aggregate only.

Standard library only. Prints Markdown tables; --json-out keeps every figure.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import log_digest_why as why  # noqa: E402

csv.field_size_limit(1 << 30)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAKE_LOGS = os.path.join(ROOT, "fixtures", "log-digest", "ecosystem", "make_logs.py")
META = os.path.join(ROOT, "fixtures", "log-digest", "metamorphic.py")
HEADER_MATRIX = os.path.join(ROOT, "fixtures", "log-digest", "header_matrix.py")
DROP_LIMIT = 0.01

LEVEL_WORDS = {
    "trace": "trace", "v": "trace", "verbose": "trace", "debug": "debug", "d": "debug",
    "info": "info", "i": "info", "information": "info", "notice": "notice",
    "warning": "warning", "warn": "warning", "w": "warning",
    "error": "error", "err": "error", "e": "error", "severe": "error", "failure": "error",
    "fatal": "fatal", "f": "fatal", "critical": "fatal", "crit": "fatal", "alert": "fatal",
    "emerg": "fatal", "panic": "fatal",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# running velo and scoring
# --------------------------------------------------------------------------------------------

def datasets_in(folder: str) -> list[str]:
    return sorted(d for d in os.listdir(folder)
                  if os.path.exists(os.path.join(folder, d, f"{d}_2k.log_structured.csv")))


def run_velo(velo: str, folder: str, name: str, pred_dir: str, log_format: str | None) -> dict:
    """Runs velo on one dataset; writes pred_dir/<name>.jsonl; returns the JSON digest."""
    os.makedirs(pred_dir, exist_ok=True)
    cmd = [velo, "-q", "log-digest", os.path.join(folder, name, f"{name}_2k.log"),
           "--assignments", os.path.join(pred_dir, f"{name}.jsonl"), "--format", "json"]
    if log_format:
        cmd += ["--log-format", log_format]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return {"error": f"exit {p.returncode}: {p.stderr.strip()[:300]}"}
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON from velo: {e}"}


def score(tools: str, truth_dir: str, pred_dir: str) -> dict[str, dict]:
    """GA etc. per dataset, from loghub_ga.py in folder mode."""
    p = subprocess.run([sys.executable, os.path.join(tools, "loghub_ga.py"), "--truth", truth_dir,
                        "--pred", pred_dir, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"loghub_ga.py failed: {p.stderr.strip()}")
    out = {}
    for r in json.loads(p.stdout):
        name = os.path.basename(r["dataset"]).replace("_2k.log_structured.csv", "")
        out[name] = r
    return out


def level_truth(folder: str, name: str) -> tuple[int, int] | None:
    """(warning events, error-or-worse events) the text shows, or None when unknown."""
    lp = os.path.join(folder, name, f"{name}_2k.levels.csv")
    counts = collections.Counter()
    if os.path.exists(lp):
        with open(lp, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["Head"] == "1" and r["Shown"] == "1":
                    counts[r["Level"]] += 1
    else:
        with open(os.path.join(folder, name, f"{name}_2k.log_structured.csv"), newline="",
                  encoding="utf-8") as f:
            rows = csv.DictReader(f)
            if "Level" not in (rows.fieldnames or []):
                return None
            words = [(r["Level"] or "").strip().lower() for r in rows]
        # Some sets call another field "Level" (Linux: the host name): use the column only
        # when it holds level words.
        known = [LEVEL_WORDS[w] for w in words if w in LEVEL_WORDS]
        if len(known) * 2 < len(words):
            return None
        counts.update(known)
    return counts["warning"], counts["error"] + counts["fatal"]


def level_pred(digest: dict) -> tuple[int, int]:
    lv = digest.get("levels") or {}
    return lv.get("warning", 0), lv.get("error", 0) + lv.get("fatal", 0)


def evaluate(velo: str, tools: str, folder: str, work: str, tag: str, settings: dict,
             with_format: bool) -> dict[str, dict]:
    """Runs and scores every dataset of `folder`."""
    names = datasets_in(folder)
    res: dict[str, dict] = {n: {} for n in names}
    sp = os.path.join(folder, "settings.json")
    folder_settings = {} if settings or not os.path.exists(sp) else json.load(open(sp))
    modes = ["auto"] + (["format"] if with_format else [])
    for mode in modes:
        pred = os.path.join(work, "pred", tag, mode)
        for n in names:
            fmt = (settings.get(n) or {}).get("log_format") if mode == "format" else None
            if mode == "format" and not fmt:
                continue
            d = run_velo(velo, folder, n, pred, fmt)
            if mode == "auto":
                res[n]["digest_error"] = d.get("error")
                res[n]["pred_levels"] = level_pred(d) if "error" not in d else None
                res[n]["pred_templates"] = d.get("templates_total")
        scores = score(tools, folder, pred) if os.path.isdir(pred) and os.listdir(pred) else {}
        for n, s in scores.items():
            res[n]["GA" if mode == "auto" else "GA_format"] = s["GA"]
            if mode == "auto":
                res[n]["truth_groups"] = s["truth_groups"]
                res[n]["pred_groups"] = s["pred_groups"]
                res[n]["lines"] = s["lines"]
    t_why = time.time()
    for n in names:
        if "+" in n and res[n].get("GA") is not None:
            res[n]["GA_by_source"] = ga_by_source(folder, n, os.path.join(work, "pred", tag, "auto"))
        if res[n].get("GA") is not None:
            res[n]["diagnosis"] = diagnose(folder, n, os.path.join(work, "pred", tag, "auto"))
            fmt = (settings.get(n) or folder_settings.get(n) or {}).get("log_format")
            pred = os.path.join(work, "pred", tag, "auto", f"{n}.jsonl")
            # Stages (velo re-run on single events) for the base sets only: the ones run
            # with --log-format too.
            probe_dir = os.path.join(work, "probe", tag, n) if with_format else None
            res[n]["why"] = (why.nothing_wrong(res[n]["lines"], with_format) if res[n]["GA"] == 1
                             else why.attribute_dataset(folder, n, pred, fmt, velo, probe_dir))
            if with_format and res[n]["why"] is not None:
                res[n]["why"]["stage_format"] = why.stage_format(
                    res[n]["GA"], res[n].get("GA_format"), res[n]["lines"])
        res[n]["truth_levels"] = level_truth(folder, n)
        meta = settings.get(n) or {}
        res[n]["family"] = meta.get("family", "")
        res[n]["half"] = meta.get("half", "")
    if with_format:
        log(f"  why and stage probes on {tag}: {time.time() - t_why:.1f} s")
    return res


def diagnose(folder: str, name: str, pred_dir: str) -> dict[str, float] | None:
    """Which way the grouping goes wrong, as fractions of all lines: a line is `split` when
    velo's group of it is a strict part of its truth event (an event cut in several templates:
    a variable kept as a word, a header left in the message), `merged` when its truth event is
    a strict part of velo's group (events folded into one template: a word masked as a
    variable), `mixed` when both. Counts only, so a held-out set can be diagnosed by class
    without anybody reading its lines."""
    truth_csv = os.path.join(folder, name, f"{name}_2k.log_structured.csv")
    pred_jsonl = os.path.join(pred_dir, f"{name}.jsonl")
    if not os.path.exists(truth_csv) or not os.path.exists(pred_jsonl):
        return None
    with open(truth_csv, newline="", encoding="utf-8") as f:
        truth = [r["EventId"] for r in csv.DictReader(f)]
    got = {}
    with open(pred_jsonl, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            got[p["line"]] = p.get("template_id", p.get("template"))
    pred = [str(got.get(i + 1, f"missing {i}")) for i in range(len(truth))]
    members_t, members_p = collections.defaultdict(set), collections.defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, pred)):
        members_t[t].add(i)
        members_p[p].add(i)
    out = {"split": 0, "merged": 0, "mixed": 0}
    for t, p in zip(truth, pred):
        mt, mp = members_t[t], members_p[p]
        if mt == mp:
            continue
        out["split" if mp < mt else "merged" if mt < mp else "mixed"] += 1
    return {k: v / max(1, len(truth)) for k, v in out.items()}


def ga_by_source(folder: str, name: str, pred_dir: str) -> float:
    """GA of an interleaved pair with each predicted group split by the source its lines came
    from. The interleave truth names every event after its source, so two sources that write
    the same message (generators that share message texts) are two events there, one for
    velo; this figure leaves that out and shows what else the interleaving changed."""
    with open(os.path.join(folder, name, f"{name}_2k.log_structured.csv"), newline="",
              encoding="utf-8") as f:
        truth = [r["EventId"] for r in csv.DictReader(f)]
    got = {}
    with open(os.path.join(pred_dir, f"{name}.jsonl"), encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            got[p["line"]] = p.get("template_id", p.get("template"))
    pred = [t.split(":", 1)[0] + "|" + str(got.get(i + 1, f"missing {i}")) for i, t in enumerate(truth)]
    members_t, members_p = collections.defaultdict(set), collections.defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, pred)):
        members_t[t].add(i)
        members_p[p].add(i)
    ok = sum(1 for i, (t, p) in enumerate(zip(truth, pred)) if members_t[t] == members_p[p])
    return ok / max(1, len(truth))


def header_matrix_table(res: dict[str, dict], settings: dict) -> list[str]:
    """Per class of header: how many combinations change the grouping (drop beyond DROP_LIMIT
    against the same messages with no header), and each one that does."""
    rows, bad = collections.defaultdict(list), []
    for n, meta in settings.items():
        base = meta.get("base")
        if not base or res.get(n, {}).get("GA") is None or res.get(base, {}).get("GA") is None:
            continue
        drop = res[n]["GA"] - res[base]["GA"]
        res[n]["drop"] = drop
        rows[meta["class"]].append((drop, n))
        if drop < -DROP_LIMIT:
            bad.append(f"| {n} | {meta['class']} | {meta['description']} | {res[n]['GA']:.3f} | {drop:+.3f} |")
    bases = ", ".join(f"{n} {res[n]['GA']:.3f}" for n, m in settings.items()
                      if not m.get("base") and res.get(n, {}).get("GA") is not None)
    out = ["\n## Header matrix: GA drop (with header − same messages bare)\n", f"Bases: {bases}.\n",
           f"| class | combinations | > {DROP_LIMIT} | mean drop | worst |", "|---|---:|---:|---:|---|"]
    for cls, drops in rows.items():
        worst = min(drops)
        out.append(f"| {cls} | {len(drops)} | {sum(1 for d, _ in drops if d < -DROP_LIMIT)} | "
                   f"{sum(d for d, _ in drops) / len(drops):+.3f} | {worst[0]:+.3f} {worst[1]} |")
    total = sum(len(d) for d in rows.values())
    out.append(f"| **all** | {total} | **{len(bad)}** | | |")
    if bad:
        out += ["\n| combination | class | header | GA | drop |", "|---|---|---|---:|---:|"] + sorted(bad)
    return out


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------

def fmt_ga(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def fmt_diag(d: dict | None) -> str:
    return "-" if not d else f"{d['split']:.3f} / {d['merged']:.3f} / {d['mixed']:.3f}"


def mean_diag(res: dict[str, dict]) -> dict[str, float] | None:
    ds = [r["diagnosis"] for r in res.values() if r.get("diagnosis")]
    return {k: sum(d[k] for d in ds) / len(ds) for k in ("split", "merged", "mixed")} if ds else None


def level_cell(r: dict) -> tuple[str, str, bool]:
    t, p = r.get("truth_levels"), r.get("pred_levels")
    if t is None or p is None:
        return "-", "-", False
    bad = t != p
    w = f"{t[0]} / {p[0]}" + (" ✗" if t[0] != p[0] else "")
    e = f"{t[1]} / {p[1]}" + (" ✗" if t[1] != p[1] else "")
    return w, e, bad


def table(title: str, res: dict[str, dict]) -> list[str]:
    out = [f"\n## {title}\n",
           "| dataset | family | GA | GA (--log-format) | lines split / merged / mixed | groups truth / velo | warnings truth / velo | errors truth / velo |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for n, r in res.items():
        w, e, _ = level_cell(r)
        err = f" (velo failed: {r['digest_error']})" if r.get("digest_error") else ""
        out.append(f"| {n}{err} | {r.get('family', '')} | {fmt_ga(r.get('GA'))} | {fmt_ga(r.get('GA_format'))} | "
                   f"{fmt_diag(r.get('diagnosis'))} | "
                   f"{r.get('truth_groups', '-')} / {r.get('pred_groups', '-')} | {w} | {e} |")
    gas = [r["GA"] for r in res.values() if r.get("GA") is not None]
    gfs = [r["GA_format"] for r in res.values() if r.get("GA_format") is not None]
    bad = sum(1 for r in res.values() if level_cell(r)[2])
    known = sum(1 for r in res.values() if level_cell(r)[0] != "-")
    if gas:
        out.append(f"| **mean ({len(gas)})** | | **{sum(gas) / len(gas):.3f}** | "
                   f"{(sum(gfs) / len(gfs)) if gfs else 0:.3f} | {fmt_diag(mean_diag(res))} | | "
                   f"level counts wrong in {bad} of {known} | |")
    return out


def summary_rows(groups: dict[str, dict[str, dict]]) -> list[str]:
    out = ["\n## Summary\n", "| set | datasets | mean GA | min GA | GA < 0.80 | lines split / merged / mixed | level counts wrong |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for title, res in groups.items():
        gas = [(r["GA"], n) for n, r in res.items() if r.get("GA") is not None]
        if not gas:
            continue
        bad = sum(1 for r in res.values() if level_cell(r)[2])
        known = sum(1 for r in res.values() if level_cell(r)[0] != "-")
        low = min(gas)
        # A held-out set is reported in aggregate only: naming its worst format would point
        # development at it.
        worst = f"{low[0]:.3f}" if title.startswith("held") else f"{low[0]:.3f} ({low[1]})"
        out.append(f"| {title} | {len(gas)} | {sum(g for g, _ in gas) / len(gas):.3f} | "
                   f"{worst} | {sum(1 for g, _ in gas if g < 0.8)} | "
                   f"{fmt_diag(mean_diag(res))} | {bad} / {known} |")
    return out


def meta_table(meta: dict[str, dict[str, dict]], bases: dict[str, dict[str, dict]]) -> list[str]:
    """meta[src][transform] = results; bases[src] = base results."""
    out = ["\n## Metamorphic transforms: GA drop (transformed − original)\n",
           f"A drop below −{DROP_LIMIT} counts as a failure of the transform.\n",
           "| transform | " + " | ".join(f"{s}: mean drop | {s}: worst | {s}: > {DROP_LIMIT}" for s in meta) + " |",
           "|---|" + "---:|---|---:|" * len(meta)]
    transforms = sorted({t for m in meta.values() for t in m}, key=lambda t: (t.split(":")[0], t))
    for t in transforms:
        cells = []
        for src, m in meta.items():
            res = m.get(t)
            if not res:
                cells += ["-", "-", "-"]
                continue
            drops = []
            for n, r in res.items():
                if r.get("GA") is None:
                    continue
                if "+" in n:  # interleave: against the line-weighted GA of its two sources
                    a, b = n.split("+", 1)
                    ra, rb = bases[src].get(a), bases[src].get(b)
                    if not ra or not rb:
                        continue
                    la, lb = ra["lines"], rb["lines"]
                    base = (ra["GA"] * la + rb["GA"] * lb) / (la + lb)
                else:
                    base = bases[src].get(n, {}).get("GA")
                    if base is None:
                        continue
                r["drop"] = r["GA"] - base
                drops.append((r["drop"], n))
            if not drops:
                cells += ["-", "-", "-"]
                continue
            worst = min(drops)
            cells += [f"{sum(d for d, _ in drops) / len(drops):+.3f}", f"{worst[0]:+.3f} {worst[1]}",
                      f"{sum(1 for d, _ in drops if d < -DROP_LIMIT)} / {len(drops)}"]
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    return out


def why_table(results: dict[str, dict[str, dict]],
              meta: dict[str, dict[str, dict]]) -> tuple[list[str], dict[str, dict]]:
    """Why lines are grouped wrong (benches/log_digest_why.py), as counts of lines by class of
    cause: per dataset for dev and loghub, and the aggregate of each set and each transform.
    A held-out set is given in aggregate only (no dataset name, no token, no template)."""
    rows: dict[str, dict] = {}
    for key, res in results.items():
        total: dict = {}
        for n, r in res.items():
            if r.get("why"):
                if not key.startswith("held"):
                    rows[f"{key} {n}"] = r["why"]
                why.add(total, r["why"])
        if total:
            rows[f"**{key} all**"] = total
    for src, m in meta.items():
        for t, res in m.items():
            total = {}
            for r in res.values():
                if r.get("why"):
                    why.add(total, r["why"])
            if total:
                rows[f"meta {src} {t}"] = total
    if not rows:
        return [], {}
    stage = [r for r in (why.stage_row(label, w) for label, w in rows.items()) if r]
    out = ["\n## Why lines are grouped wrong\n",
           "Lines by class of cause (benches/log_digest_why.py): split = a truth event velo cut "
           "in several groups, merged = a velo group holding several truth events; a mixed line "
           "counts in both. Token shapes count each line once per shape of a constant token the "
           "folded truth templates differ by.\n"] + why.WHY_HEAD
    out += [why.why_row(label, w) for label, w in rows.items()]
    if stage:
        out += ["\n## Which stage decides a wrong line\n",
                "Lines by the stage that decides them (benches/log_digest_why.py): record = "
                "record boundaries, header = header text in the message (or the message cut "
                "after its first words), mask / miner = the words that tell merged events apart "
                "are already variables when each event is mined alone (mask) or only once they "
                "are mined together (miner); a split event that is one group alone was cut by "
                "the others (miner), else mask; same-text = two truth events with one text; "
                f"unprobed = beyond the cap ({why.PROBE_GROUPS} merged groups and split events "
                f"per dataset, {why.PROBE_EVENTS} events per group). Header at format level: "
                "datasets whose GA is higher with --log-format, and the lines it gains.\n"]
        out += why.STAGE_HEAD + stage
    return out, {k.strip("*"): v for k, v in rows.items()}


def strip_held_why(results: dict[str, dict[str, dict]], meta: dict[str, dict[str, dict]]) -> None:
    """Drops the per-dataset attribution of held-out sets before the JSON is written (their
    aggregate stays, under "why")."""
    for res in [results.get("held", {})] + list(meta.get("held", {}).values()):
        for r in res.values():
            r.pop("why", None)


# --------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--velo", required=True)
    ap.add_argument("--shared", default="", help="the workplace's shared/ folder (Loghub data, loghub_ga.py)")
    ap.add_argument("--work", required=True, help="scratch folder (generated and transformed data)")
    ap.add_argument("--sets", default="dev held loghub extra headers meta")
    ap.add_argument("--extra", default="", help="folder of more Loghub-2k sets (report only)")
    ap.add_argument("--transforms", default="all", help="metamorphic transforms (comma list or all)")
    ap.add_argument("--meta-on", default="loghub dev held", help="which sets the transforms run on")
    ap.add_argument("--json-out", default="", help="write every figure here")
    args = ap.parse_args()
    sets = args.sets.split()
    tools = os.path.join(args.shared, "tools")
    if not os.path.exists(os.path.join(tools, "loghub_ga.py")):
        log("skipped: no loghub_ga.py (the scorer lives in ../shared/tools; set SHARED)")
        return 0
    t0 = time.time()
    eco = os.path.join(args.work, "eco")
    results: dict[str, dict[str, dict]] = {}
    folders: dict[str, tuple[str, dict]] = {}
    # Only the halves asked for: a development run never generates the held-out half.
    halves = [h for h in ("dev", "held")
              if h in sets or ("meta" in sets and h in args.meta_on.split())]
    if halves:
        log("generating the ecosystem formats ...")
        for half in halves:
            subprocess.run([sys.executable, MAKE_LOGS, "--out", os.path.join(eco, half), "--half", half],
                           check=True, stdout=subprocess.DEVNULL)
            folders[half] = (os.path.join(eco, half),
                             json.load(open(os.path.join(eco, half, "settings.json"))))
    loghub = os.path.join(args.shared, "data", "loghub")
    if os.path.isdir(loghub):
        folders["loghub"] = (loghub, json.load(open(os.path.join(loghub, "drain_benchmark_settings.json"))))
    elif "loghub" in sets:
        log(f"skipped: no shared Loghub sets at {loghub}")
    if args.extra and os.path.isdir(args.extra):
        sp = os.path.join(args.extra, "settings.json")
        folders["extra"] = (args.extra, json.load(open(sp)) if os.path.exists(sp) else {})
    for key in ("dev", "held", "loghub", "extra"):
        if key in sets and key in folders:
            log(f"running velo on {key} ...")
            results[key] = evaluate(args.velo, tools, *folders[key][:1], args.work, key,
                                    folders[key][1], with_format=True)
    hm_lines: list[str] = []
    hm_res: dict[str, dict] = {}
    if "headers" in sets and "loghub" in folders:
        hm = os.path.join(args.work, "headers")
        log("generating the header matrix ...")
        subprocess.run([sys.executable, HEADER_MATRIX, "--src", loghub, "--out", hm], check=True,
                       stdout=subprocess.DEVNULL)
        hm_settings = json.load(open(os.path.join(hm, "settings.json")))
        log("running velo on the header matrix ...")
        hm_res = evaluate(args.velo, tools, hm, args.work, "headers", {}, with_format=False)
        hm_lines = header_matrix_table(hm_res, hm_settings)
    meta: dict[str, dict[str, dict]] = {}
    if "meta" in sets:
        transforms = (["all"] if args.transforms == "all" else args.transforms.split(","))
        for src in args.meta_on.split():
            if src not in folders:
                continue
            base = results.get(src)
            if base is None:
                base = results[src] = evaluate(args.velo, tools, folders[src][0], args.work, src,
                                               folders[src][1], with_format=False)
            out = os.path.join(args.work, "meta", src)
            log(f"transforming {src} ...")
            cmd = [sys.executable, META, "--src", folders[src][0], "--out", out, "--json"]
            for t in transforms:
                cmd += ["--transform", t]
            if src == "loghub":
                cmd += ["--settings", os.path.join(loghub, "drain_benchmark_settings.json")]
            done = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            meta[src] = {}
            for t in done:
                log(f"  velo on {src} {t} ...")
                folder = os.path.join(out, t.replace(":", "-"))
                meta[src][t] = evaluate(args.velo, tools, folder, args.work, f"meta-{src}-{t.replace(':', '-')}",
                                        {}, with_format=False)
    titles = {"dev": "Generated formats, development half", "held": "Generated formats, held-out half (report only)",
              "loghub": "Shared Loghub-2k sets", "extra": "Extra Loghub-2k sets (held out, report only)"}
    lines = [f"velo: {args.velo}", f"time: {time.time() - t0:.0f} s"]
    for key, res in results.items():
        if key in sets:
            lines += table(titles[key], res)
    groups = {}
    for key in ("dev", "held"):
        if key in results and key in sets:
            for fam in ("python", "services", "other"):
                sub = {n: r for n, r in results[key].items() if r.get("family") == fam}
                if sub:
                    groups[f"{key} {fam}"] = sub
            groups[f"{key} all"] = results[key]
    for key in ("loghub", "extra"):
        if key in results and key in sets:
            groups[key] = results[key]
    if groups:
        lines += summary_rows(groups)
    lines += hm_lines
    if meta:
        lines += meta_table(meta, results)
        for src, m in meta.items():
            bad = []
            for t, res in m.items():
                for n, r in res.items():
                    if r.get("drop") is not None and r["drop"] < -DROP_LIMIT:
                        bad.append(f"{t} {n} {r['drop']:+.3f}")
            if bad:
                lines.append(f"\n{src}: drops beyond {DROP_LIMIT}: " + "; ".join(sorted(bad)))
            pairs = [(n, r) for n, r in m.get("interleave", {}).items() if r.get("drop") is not None
                     and r.get("GA_by_source") is not None]
            if pairs:
                left = [f"{n} {r['drop'] + r['GA_by_source'] - r['GA']:+.3f}" for n, r in sorted(pairs)
                        if r["drop"] + r["GA_by_source"] - r["GA"] < -DROP_LIMIT]
                lines.append(f"\n{src}: interleave with groups split by source (the same message "
                             f"from both sources is two events in the truth): "
                             f"{len(left)} / {len(pairs)} beyond {DROP_LIMIT}"
                             + (": " + "; ".join(left) if left else ""))
    why_lines, why_json = why_table(results, meta)
    lines += why_lines
    print("\n".join(lines))
    if args.json_out:
        strip_held_why(results, meta)
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"results": results, "headers": hm_res, "meta": meta, "why": why_json}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
