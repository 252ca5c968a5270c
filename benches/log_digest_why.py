"""Why `velo log-digest` groups lines wrong, as counts of CLASSES of cause (never lines, words
or templates), so that a held-out set can be diagnosed without anybody reading it. Used by
benches/log_digest_generality.py; tested by benches/test_log_digest_why.py.

A line is wrong (GA) when velo's group of it is not exactly its truth event. Two views:

Split: a truth event whose lines velo put in several groups. Its lines are attributed to the
cause that tells the odd group apart from the event's main group (the one holding most of its
lines); the main group's own lines get the cause of the largest odd group (they are wrong
because it was cut off). Causes, first that applies:
  record:cont-apart   a continuation line (truth: not the head of its record) sits in another
                      group than its record's head: velo made it a record of its own
  record:head-joined  a truth head line carries the group of the line above (another event)
                      and velo's template does not match its text: velo joined it to the
                      record above (its continuation lines count here too)
  var:<kind>          a variable's value (its kind: value_kind) is a
                      literal word of velo's template, of this line or of the main group's
                      (variables of the record's continuation lines velo kept count too)
  var-part:<kind>     part of a variable's value (a key, a bracket, a piece of a wrapped
                      word) is literal text of one of the two templates: the template holds
                      the piece more often than the truth template and the value holds it
  header              the message starts at another token: counting tokens before the
                      first constant word of the truth template, velo's template of the odd
                      group and of the main group differ (a header part kept in one of them)
  token-count         the two velo templates have different token counts (a variable of
                      varying length, a message cut elsewhere)
  other               none of these

Merged: a velo group holding lines of several truth events. Each line is compared with the
group's main event (or, for the main event's lines, the second one; they take the record
class most of the second event's lines have, if any). Classes, first that applies:
record:head-joined, record:cont-apart (as above), same-text (the two truth templates
are the same text: the same message written by two sources), same-count / diff-count (the
truth templates have the same / a different number of tokens). For the last two the SHAPE of
each constant token that differs between the two truth templates is counted (once per line
per shape): lower, Capital, UPPER, camelCase, word+digit (letters and digits only), number,
symbol, path, compound (words joined by _ . - = ...), and for HTTP
request lines (a template with a standard request method) http-method, http-status,
http-route. And how velo lost the words that tell the folded events apart (same-count and
diff-count lines): `header` when velo's template starts the message after the truth template's
first words (lead < 0: header inference took them), else `masked` (read as variables).

A line both split and merged ("mixed") is counted in both views.

Stage: which stage of velo decides a wrong line (attribute(..., probe=...)), in each view, first
that applies:
  record      its class is record:cont-apart or record:head-joined
  header      split: its class is `header`; merged: velo's template starts the message after
              the truth template's first words (how = header)
  same-text   merged only: the two truth templates are the same text (no stage can tell them)
  mask        split: the event, mined ALONE (velo run on a file of that event's lines only),
              is still more than one group; merged: alone, each of the two events' templates
              has already masked every constant word that tells the two truth templates apart
              (with no such word, the two alone templates are the same text): the masker or a
              rule judged the words variable with no other event present
  miner       split: the event alone is one group (it was cut by the other events' presence);
              merged: a word that tells them apart survives in an alone template but not in
              the joined one (or the alone templates differ): the miner joined them
  unprobed    beyond the probe cap (PROBE_GROUPS merged groups and split events per dataset,
              the PROBE_EVENTS largest events of a merged group), largest first
and, per dataset, the header at the format level: GA with --log-format above GA without
(benches/log_digest_generality.py adds it as "stage_format").

Loghub sets have no vars or levels file: every line is a head, and variable values come from
aligning the truth template with the message (metamorphic.variable_spans).
"""

from __future__ import annotations

import collections
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fixtures", "log-digest"))

import metamorphic  # noqa: E402

# The request methods of HTTP (RFC 9110, 5789): a protocol's words, not a dataset's.
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
MASK = "<*>"
# Probe cap per dataset (see the module's doc): merged groups and split events probed, largest
# first, and events probed in one merged group.
PROBE_GROUPS = 3
PROBE_EVENTS = 6
STAGES_SPLIT = ("record", "header", "mask", "miner", "unprobed")
STAGES_MERGED = ("record", "header", "same-text", "mask", "miner", "unprobed")
EDGE_PUNCT = "\"'()[]{}<>,;:.!?`"


def bounded_in(value: str, text: str) -> bool:
    """`value` occurs in `text` not glued to letters or digits."""
    return re.search(r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])", text) is not None


def template_matches(template: str, line: str) -> bool:
    """Whether velo's template (message only, `<*>` for variables) can be read in `line`."""
    words = template.split()
    if not words:
        return not line.strip()
    parts = [re.escape(w).replace(re.escape(MASK), ".*?") for w in words]
    try:
        return re.search(r"\s+".join(parts), line, re.S) is not None
    except re.error:
        return False


def lead(pred_tpl: str, truth_tpl: str) -> int | None:
    """Tokens velo's template has before the message, relative to the truth template: the
    index in velo's template of the truth template's first constant token that velo's template
    holds, minus its index in the truth template; None when they share no constant token."""
    p = pred_tpl.split()
    for j, tok in enumerate(truth_tpl.split()):
        if MASK not in tok and tok in p:
            return p.index(tok) - j
    return None


def shape(token: str, http: bool) -> str | None:
    """The shape class of a constant token (its `<*>` parts removed); None when nothing is
    left. `http`: the template is a request line (holds a request method)."""
    t = token.replace(MASK, "")
    if not t:
        return None
    if http and ("/" in t):
        return "http-route"
    core = t.strip(EDGE_PUNCT)
    if not core or not any(c.isalnum() for c in core):
        return "symbol"
    if http and core in HTTP_METHODS:
        return "http-method"
    if http and re.fullmatch(r"[1-5]\d\d", core):
        return "http-status"
    if "/" in core or "\\" in core:
        return "path"
    if re.fullmatch(r"[\d.,:]+", core):
        return "number"
    if re.fullmatch(r"[a-z]+", core):
        return "lower"
    if re.fullmatch(r"[A-Z][a-z]+", core):
        return "Capital"
    if re.fullmatch(r"[A-Z]+", core):
        return "UPPER"
    if re.fullmatch(r"[A-Za-z]+", core):
        return "camelCase"
    if core.isalnum():
        return "word+digit"
    return "compound"  # snake_case, dotted.name, key=, a-b ...


def value_kind(value: str, kind: str | None) -> str:
    """A variable's class: the vars file's kind, else metamorphic's value class, else `text`
    for a value with spaces, else the value's token shape."""
    v = value.strip()
    return kind or metamorphic.classify(v, None) or ("text" if v.split()[1:] else shape(v, False)
                                                    or "symbol")


def differing_shapes(a: str, b: str) -> set[str]:
    """Shapes of the constant tokens that differ between two truth templates (token diff)."""
    import difflib
    ta, tb = a.split(), b.split()
    http = any(t in HTTP_METHODS for t in ta + tb)
    out: set[str] = set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for tok in ta[i1:i2] + tb[j1:j2]:
            s = shape(tok, http)
            if s:
                out.add(s)
    return out


def differing_tokens(a: str, b: str) -> tuple[list[str], list[str]]:
    """The tokens of truth template `a` and of `b` outside their common runs (token diff):
    the words that tell the two events apart, each side's own."""
    import difflib
    ta, tb = a.split(), b.split()
    da: list[str] = []
    db: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op != "equal":
            da += ta[i1:i2]
            db += tb[j1:j2]
    return da, db


def count_bounded(piece: str, text: str) -> int:
    """Occurrences of `piece` in `text` not glued to letters or digits."""
    return len(re.findall(r"(?<![A-Za-z0-9])" + re.escape(piece) + r"(?![A-Za-z0-9])", text))


def kept(token: str, truth_tpl: str, tpl: str) -> bool | None:
    """Whether velo's template `tpl` keeps the truth template's constant `token` literal: each
    constant piece of it (between `<*>`) stands in `tpl` as often as in the truth template.
    None when the token has no constant piece with a letter or digit."""
    pieces = [p for p in token.split(MASK) if any(c.isalnum() for c in p)]
    if not pieces:
        return None
    return all(count_bounded(p, tpl) >= count_bounded(p, truth_tpl) for p in pieces)


def merge_stage(t_e: str, t_o: str, alone_e: str, alone_o: str, joined: str) -> str:
    """The stage that joined two truth events (templates t_e, t_o) into velo's group of
    template `joined`, from velo's templates of each event mined alone: `miner` when a word
    that tells them apart survives alone but not joined, or (no such word with a letter or
    digit) the alone templates differ; else `mask`."""
    de, do = differing_tokens(t_e, t_o)
    words = [(w, t_e, alone_e) for w in de] + [(w, t_o, alone_o) for w in do]
    judged = False
    for w, t, alone in words:
        k = kept(w, t, alone)
        if k is None:
            continue
        judged = True
        if k and not kept(w, t, joined):
            return "miner"
    if judged:
        return "mask"
    return "mask" if " ".join(alone_e.split()) == " ".join(alone_o.split()) else "miner"


def attribute(lines: list[str], truth: list[tuple[str, str]], heads: list[bool],
              spans, pred: list[tuple[str, str]], probe=None) -> dict:
    """Counts of wrongly grouped lines by class of cause (see the module's doc). All lists are
    per line, in order: the raw line, (truth event id, truth template), whether the line heads
    its record in the truth, its variables' (start, end, kind) in the raw line (a list, or a
    function of the line's index, called only for lines that need it), and velo's (group id,
    template).

    With `probe`, the stage of each wrong line too ("stage_split", "stage_merged"): probe(ids)
    takes truth event ids and returns, per id it could run, velo's (group id, template) of
    each of that event's lines (in order) when velo mines them alone."""
    if not callable(spans):
        spans = spans.__getitem__
    n = len(truth)
    tev = [t[0] for t in truth]
    pid = [p[0] for p in pred]
    members_t: dict[str, list[int]] = collections.defaultdict(list)
    members_p: dict[str, list[int]] = collections.defaultdict(list)
    for i in range(n):
        members_t[tev[i]].append(i)
        members_p[pid[i]].append(i)
    rec_head, last = [], 0
    for i in range(n):
        if heads[i]:
            last = i
        rec_head.append(last)

    def cont_apart(i: int) -> bool:
        return not heads[i] and pid[i] != pid[rec_head[i]]

    def head_joined(i: int) -> bool:
        return (heads[i] and i > 0 and pid[i] == pid[i - 1] and tev[i] != tev[i - 1]
                and not template_matches(pred[i][1], lines[i]))

    def record_cause(i: int) -> str | None:
        """A record cut wrong: line i cut off its record, or line i's record (its head, the
        continuation lines with it) joined to the record above."""
        if cont_apart(i):
            return "record:cont-apart"
        if head_joined(i if heads[i] else rec_head[i]):
            return "record:head-joined"
        return None

    def subject(i: int) -> int:
        """The line whose text velo's template of line i was mined from: its record's head,
        unless velo cut the line off its record."""
        return i if heads[i] or cont_apart(i) else rec_head[i]

    def record_lines(s: int) -> list[int]:
        """Line s and the continuation lines velo kept in its record (a wrapped message's
        tail is part of velo's template)."""
        out = [s]
        j = s + 1
        while j < n and not heads[j] and pid[j] == pid[s]:
            out.append(j)
            j += 1
        return out

    def kept_var(i: int) -> str | None:
        """A variable of line i's record whose whole value is a word of velo's template."""
        s = subject(i)
        for k in record_lines(s):
            for a, b, kind in spans(k):
                v = lines[k][a:b].strip()
                if not v or not any(c.isalnum() for c in v):
                    continue
                if bounded_in(v, pred[s][1]) and not bounded_in(v, truth[s][1]):
                    return value_kind(v, kind)
        return None

    def part_kept(i: int) -> str | None:
        """A variable of line i's record part of whose value (a key, a bracket, a piece of a
        wrapped word) is literal text of velo's template: velo's template holds the piece more
        often than the truth template does, and the piece is inside the variable's value."""
        s = subject(i)
        tpl, ttpl = pred[s][1], truth[s][1]
        pieces = {p for tok in tpl.split() for p in tok.split(MASK) if p}
        pieces = [p for p in pieces if tpl.count(p) > ttpl.count(p)]
        if not pieces:
            return None
        for k in record_lines(s):
            for a, b, kind in spans(k):
                v = lines[k][a:b]
                if any(p in v for p in pieces):
                    return value_kind(v, kind)
        return None

    def split_cause(i: int, m: int) -> str:
        rc = record_cause(i)
        if rc:
            return rc
        k = kept_var(i) or kept_var(m)
        if k:
            return f"var:{k}"
        k = part_kept(i) or part_kept(m)
        if k:
            return f"var-part:{k}"
        si, sm = subject(i), subject(m)
        li, lm = lead(pred[si][1], truth[si][1]), lead(pred[sm][1], truth[sm][1])
        if li is not None and lm is not None and li != lm:
            return "header"
        if len(pred[si][1].split()) != len(pred[sm][1].split()):
            return "token-count"
        return "other"

    split: collections.Counter = collections.Counter()
    split_cls: list[tuple[int, str]] = []  # (line, class) of every split line
    for idx in members_t.values():
        groups = collections.Counter(pid[i] for i in idx)
        if len(groups) < 2:
            continue
        first = {}
        for i in idx:
            first.setdefault(pid[i], i)
        order = sorted(groups, key=lambda g: (-groups[g], first[g]))
        main = order[0]
        m = first[main]
        cause = {g: split_cause(first[g], m) for g in order[1:]}
        for i in idx:
            if pid[i] == main:
                c = cause[order[1]]
            else:
                c = record_cause(i) or cause[pid[i]]
            split[c] += 1
            split_cls.append((i, c))

    merged: collections.Counter = collections.Counter()
    shapes: collections.Counter = collections.Counter()
    how: collections.Counter = collections.Counter()
    merged_cls: list[tuple[int, str, str]] = []  # (line, stage or "", the other event)
    for idx in members_p.values():
        events = collections.Counter(tev[i] for i in idx)
        if len(events) < 2:
            continue
        first = {}
        for i in idx:
            first.setdefault(tev[i], i)
        order = sorted(events, key=lambda e: (-events[e], first[e]))
        memo: dict[tuple[str, str], tuple[str, set[str]]] = {}
        # The main event's lines are wrong because the second event's lines came in: when
        # those came by record joining, so do the main event's.
        main_rc = collections.Counter(record_cause(i) for i in idx if tev[i] == order[1])
        main_rc_cls = main_rc.most_common(1)[0][0]
        for i in idx:
            rc = record_cause(i) or (main_rc_cls if tev[i] == order[0] else None)
            e = tev[i]
            other = order[0] if e != order[0] else order[1]
            if rc:
                merged[rc] += 1
                merged_cls.append((i, "record", other))
                continue
            key = (e, other)
            if key not in memo:
                a, b = truth[first[e]][1], truth[first[other]][1]
                if " ".join(a.split()) == " ".join(b.split()):
                    memo[key] = ("same-text", set())
                else:
                    cls = "same-count" if len(a.split()) == len(b.split()) else "diff-count"
                    memo[key] = (cls, differing_shapes(a, b))
            cls, sh = memo[key]
            merged[cls] += 1
            for s in sh:
                shapes[s] += 1
            if cls != "same-text":
                s = subject(i)
                ld = lead(pred[s][1], truth[s][1])
                h = "header" if ld is not None and ld < 0 else "masked"
                how[h] += 1
                merged_cls.append((i, "header" if h == "header" else "", other))
            else:
                merged_cls.append((i, "same-text", other))
    out = {"lines": n, "split": dict(split), "merged": dict(merged), "shapes": dict(shapes),
           "how": dict(how)}
    if probe is not None:
        out["stage_split"], out["stage_merged"] = stages(split_cls, merged_cls, tev, pid, truth,
                                                         pred, members_t, probe)
    return out


def stages(split_cls, merged_cls, tev, pid, truth, pred, members_t, probe) -> tuple[dict, dict]:
    """The stage of every wrong line (see the module's doc), from attribute()'s per-line
    classes: split_cls (line, class), merged_cls (line, stage or "" when a probe decides, the
    event compared with)."""
    def first_k(counts: collections.Counter, k: int, pos: dict) -> list[str]:
        return sorted(counts, key=lambda x: (-counts[x], pos[x]))[:k]

    pos = {e: idx[0] for e, idx in members_t.items()}
    # Split: the events whose lines no record or header class explains, largest first.
    open_split = collections.Counter(tev[i] for i, c in split_cls
                                     if not c.startswith("record:") and c != "header")
    split_events = first_k(open_split, PROBE_GROUPS, pos)
    # Merged: the groups whose lines a probe must decide, largest first, and their largest
    # events.
    open_groups = collections.Counter(pid[i] for i, st, _ in merged_cls if not st)
    gpos: dict[str, int] = {}
    for i, st, _ in merged_cls:
        gpos.setdefault(pid[i], i)
    groups = first_k(open_groups, PROBE_GROUPS, gpos)
    in_group: dict[str, set[str]] = {}
    for g in groups:
        ev = collections.Counter(tev[i] for i, st, _ in merged_cls if pid[i] == g)
        in_group[g] = set(first_k(ev, PROBE_EVENTS, pos))
    wanted = sorted(set(split_events).union(*in_group.values()), key=lambda e: pos[e])
    alone = probe(wanted) if wanted else {}

    ss: collections.Counter = collections.Counter()
    for i, c in split_cls:
        e = tev[i]
        if c.startswith("record:"):
            ss["record"] += 1
        elif c == "header":
            ss["header"] += 1
        elif e in split_events and alone.get(e):
            ss["miner" if len({g for g, _ in alone[e]}) == 1 else "mask"] += 1
        else:
            ss["unprobed"] += 1
    sm: collections.Counter = collections.Counter()
    memo: dict[tuple[str, str, str], str] = {}
    for i, st, o in merged_cls:
        if st:
            sm[st] += 1
            continue
        e, g = tev[i], pid[i]
        if g not in in_group or not {e, o} <= in_group[g] or not alone.get(e) or not alone.get(o):
            sm["unprobed"] += 1
            continue
        key = (e, o, g)
        if key not in memo:
            memo[key] = merge_stage(truth[pos[e]][1], truth[pos[o]][1], alone[e][0][1],
                                    alone[o][0][1], pred[i][1])
        sm[memo[key]] += 1
    return dict(ss), dict(sm)


def load_pred(path: str, n: int) -> list[tuple[str, str]]:
    got = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            got[p["line"]] = (str(p.get("template_id", "")), p.get("template", ""))
    return [got.get(i + 1, (f"missing {i}", "")) for i in range(n)]


def velo_probe(velo: str, work: str, lines: list[str], tev: list[str], bom: bool = False,
               crlf: bool = False, jobs: int = 2):
    """A probe for attribute(): runs `velo` on one file per truth event holding only that
    event's lines (in order, with the source's BOM and line ends), in folder `work`, at most
    `jobs` at a time; returns per event velo's (group id, template) of each line. An event
    velo fails on is left out."""
    import concurrent.futures
    import subprocess
    members: dict[str, list[int]] = collections.defaultdict(list)
    for i, e in enumerate(tev):
        members[e].append(i)
    end = "\r\n" if crlf else "\n"

    def one(k: int, e: str):
        path = os.path.join(work, f"event{k}.log")
        out = os.path.join(work, f"event{k}.jsonl")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(("\ufeff" if bom else "") + "".join(lines[i] + end for i in members[e]))
        p = subprocess.run([velo, "-q", "log-digest", path, "--assignments", out, "--format",
                            "json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.returncode not in (0, 1) or not os.path.exists(out):
            return e, None
        return e, load_pred(out, len(members[e]))

    def run(events: list[str]) -> dict[str, list[tuple[str, str]]]:
        run.runs += len(events)
        os.makedirs(work, exist_ok=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            got = list(pool.map(lambda ke: one(*ke), enumerate(events)))
        return {e: r for e, r in got if r is not None}
    run.runs = 0
    return run


def attribute_dataset(folder: str, name: str, pred_jsonl: str, log_format: str | None,
                      velo: str | None = None, probe_dir: str | None = None) -> dict | None:
    """attribute() on one dataset folder (Loghub layout, with the generator's levels and vars
    files when present) and velo's --assignments file; with `velo` and `probe_dir` (a scratch
    folder), the stages too (velo_probe)."""
    if not os.path.exists(pred_jsonl):
        return None
    try:
        ds = metamorphic.Dataset(os.path.join(folder, name), name, log_format)
    except (OSError, KeyError, ValueError):
        return None
    n = len(ds.truth)
    if len(ds.lines) < n:
        return None
    cache: dict = {}
    # The generator's levels file can differ from the log's line count only if it is broken;
    # every Loghub line heads its record.
    heads = [ds.is_head(k) if ds.levels is None or k in ds.levels else True for k in range(1, n + 1)]

    def spans(i: int) -> list:
        return metamorphic.variable_spans(ds, i + 1, cache) if heads[i] or ds.vars is not None else []

    truth = [ds.truth[k] for k in range(1, n + 1)]
    probe = None
    if velo and probe_dir:
        probe = velo_probe(velo, probe_dir, ds.lines[:n], [t[0] for t in truth], ds.bom, ds.crlf)
    return attribute(ds.lines[:n], truth, heads, spans, load_pred(pred_jsonl, n), probe)


def nothing_wrong(lines: int, stages: bool = False) -> dict:
    """The attribution of a dataset velo groups right (GA 1): nothing to attribute."""
    out = {"lines": lines, "split": {}, "merged": {}, "shapes": {}, "how": {}}
    if stages:
        out.update(stage_split={}, stage_merged={})
    return out


def stage_format(ga: float | None, ga_format: float | None, lines: int) -> dict:
    """The header at the format level: 1 format and the lines GA gains when velo is given the
    header format (--log-format), when it gains any."""
    if ga is None or ga_format is None or ga_format <= ga:
        return {"formats": 0, "lines": 0}
    return {"formats": 1, "lines": round((ga_format - ga) * lines)}


def add(total: dict, one: dict) -> None:
    """Sums one attribution into a running total (the stage counts only where `one` has
    them)."""
    total["lines"] = total.get("lines", 0) + one["lines"]
    for key in ("split", "merged", "shapes", "how", "stage_split", "stage_merged",
                "stage_format"):
        if key not in one and key not in ("split", "merged", "shapes", "how"):
            continue
        bucket = total.setdefault(key, {})
        for k, v in one.get(key, {}).items():
            bucket[k] = bucket.get(k, 0) + v


def fmt_counts(c: dict, limit: int = 6) -> str:
    """`k n, k n ...` by count, the rest summed as `+rest n`."""
    items = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
    out = [f"{k} {v}" for k, v in items[:limit]]
    rest = sum(v for _, v in items[limit:])
    if rest:
        out.append(f"+rest {rest}")
    return ", ".join(out) or "-"


def why_row(label: str, w: dict) -> str:
    s, m = sum(w["split"].values()), sum(w["merged"].values())
    return (f"| {label} | {w['lines']} | {s} | {fmt_counts(w['split'])} | {m} | "
            f"{fmt_counts(w['merged'])} | {fmt_counts(w.get('how', {}))} | "
            f"{fmt_counts(w['shapes'], 8)} |")


WHY_HEAD = ["| set | lines | split (+mixed) | split: cause, lines | merged (+mixed) | "
            "merged: class, lines | merged: the differing words | "
            "merged: differing token shapes, lines |",
            "|---|---:|---:|---|---:|---|---|---|"]


def stage_row(label: str, w: dict) -> str | None:
    """A row of the stage table, or None when `w` has no stages."""
    if "stage_split" not in w:
        return None
    ss, sm, sf = w["stage_split"], w.get("stage_merged", {}), w.get("stage_format", {})
    return (f"| {label} | {w['lines']} | {sum(ss.values())} | "
            + " / ".join(str(ss.get(k, 0)) for k in STAGES_SPLIT) + f" | {sum(sm.values())} | "
            + " / ".join(str(sm.get(k, 0)) for k in STAGES_MERGED)
            + f" | {sf.get('formats', 0)}, {sf.get('lines', 0)} |")


STAGE_HEAD = ["| set | lines | split (+mixed) | split: " + " / ".join(STAGES_SPLIT)
              + " | merged (+mixed) | merged: " + " / ".join(STAGES_MERGED)
              + " | header at format level: formats, lines |",
              "|---|---:|---:|---|---:|---|---|"]
