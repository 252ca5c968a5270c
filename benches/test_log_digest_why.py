#!/usr/bin/env python3
"""Unit tests of benches/log_digest_why.py's attribution, on hand-made truth/prediction cases
with neutral words. Run: python3 benches/test_log_digest_why.py"""

import json
import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import log_digest_why as why  # noqa: E402


def case(rows):
    """rows: (line, truth id, truth template, head, spans, pred id, pred template)."""
    lines = [r[0] for r in rows]
    truth = [(r[1], r[2]) for r in rows]
    heads = [r[3] for r in rows]
    spans = [r[4] for r in rows]
    pred = [(r[5], r[6]) for r in rows]
    return why.attribute(lines, truth, heads, spans, pred)


class Split(unittest.TestCase):
    def test_right_grouping_counts_nothing(self):
        # class: every event exactly one group, continuation lines with their head
        w = case([
            ("t1 INFO item 4 moved", "E1", "item <*> moved", True, [(13, 14, "int")], "a", "item <*> moved"),
            ("  detail line", "E1", "item <*> moved", False, [], "a", "item <*> moved"),
            ("t2 INFO item 5 moved", "E1", "item <*> moved", True, [(13, 14, "int")], "a", "item <*> moved"),
            ("t3 INFO box closed", "E2", "box closed", True, [], "b", "box closed"),
        ])
        self.assertEqual((w["split"], w["merged"], w["shapes"], w["how"]), ({}, {}, {}, {}))

    def test_variable_kept_as_word_counts_its_kind(self):
        # class: a variable's value is a literal token of velo's template (odd group)
        w = case([
            ("t1 item 4 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item <*> moved"),
            ("t2 item 5 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item <*> moved"),
            ("t3 item 7 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "b", "item 7 moved"),
        ])
        self.assertEqual(w["split"], {"var:int": 3})

    def test_variable_kept_in_the_main_group_is_found_too(self):
        # class: the main group kept the value, the odd group masked it
        w = case([
            ("t1 item 7 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item 7 moved"),
            ("t2 item 7 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item 7 moved"),
            ("t3 item 5 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "b", "item <*> moved"),
        ])
        self.assertEqual(w["split"], {"var:int": 3})

    def test_value_that_is_also_a_truth_word_is_not_a_kept_variable(self):
        # must not fire: the value also stands in the truth template as a constant word
        w = case([
            ("t1 box 2 of 2", "E1", "box <*> of 2", True, [(7, 8, "int")], "a", "box <*> of 2"),
            ("t2 box 1 of 2", "E1", "box <*> of 2", True, [(7, 8, "int")], "b", "box <*> of <*> 2"),
        ])
        self.assertNotIn("var:int", w["split"])
        self.assertEqual(w["split"], {"token-count": 2})

    def test_part_of_a_structured_value_kept(self):
        # class: a variable holding a structure (a key and braces) is partly literal in one
        # group's template; another group masked the whole value
        w = case([
            ("t1 job done {k: 4}", "E1", "job done <*>", True, [(12, 18, "text")], "a", "job done {k: <*>}"),
            ("t2 job done {k: 5}", "E1", "job done <*>", True, [(12, 18, "text")], "a", "job done {k: <*>}"),
            ("t3 job done 7", "E1", "job done <*>", True, [(12, 13, "int")], "b", "job done <*>"),
        ])
        self.assertEqual(w["split"], {"var-part:text": 3})

    def test_variable_on_a_wrapped_continuation_line(self):
        # class: the message wraps onto a continuation line velo keeps in the record, and a
        # piece of the wrapped variable becomes literal text of velo's template
        w = case([
            ("t1 WARN moving al", "E1", "moving <*> now", True, [(15, 17, "sym")], "a", "moving <*> now"),
            ("pha now", "E1", "moving <*> now", False, [(0, 3, "sym")], "a", "moving <*> now"),
            ("t2 WARN moving be", "E1", "moving <*> now", True, [(15, 17, "sym")], "b", "moving <*> ta now"),
            ("ta now", "E1", "moving <*> now", False, [(0, 2, "sym")], "b", "moving <*> ta now"),
        ])
        self.assertEqual(w["split"], {"var:sym": 4})

    def test_header_part_kept_in_the_message(self):
        # class: one group's template starts the message one token later (a header field kept)
        w = case([
            ("t1 [w1] box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("t2 [w1] box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("t3 [w2] box opened", "E1", "box opened", True, [], "b", "[w2] box opened"),
        ])
        self.assertEqual(w["split"], {"header": 3})

    def test_continuation_made_a_record_of_its_own(self):
        # class: a truth continuation line in another group than its record's head
        w = case([
            ("t1 box failed", "E1", "box failed", True, [], "a", "box failed"),
            ("  at frame one", "E1", "box failed", False, [], "c", "at frame one"),
            ("t2 box failed", "E1", "box failed", True, [], "a", "box failed"),
        ])
        self.assertEqual(w["split"], {"record:cont-apart": 3})

    def test_other_when_no_class_fits(self):
        # class: same token count, no variable kept, same start: unexplained
        w = case([
            ("t1 box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("t2 box opened", "E1", "box opened", True, [], "b", "box opened"),
        ])
        self.assertEqual(w["split"], {"other": 2})


class Merged(unittest.TestCase):
    def test_lower_case_word_masked(self):
        # class: two events differing by one lower-case word, same token count
        w = case([
            ("t1 job started", "E1", "job started", True, [], "a", "job <*>"),
            ("t2 job started", "E1", "job started", True, [], "a", "job <*>"),
            ("t3 job stopped", "E2", "job stopped", True, [], "a", "job <*>"),
        ])
        self.assertEqual(w["merged"], {"same-count": 3})
        self.assertEqual(w["shapes"], {"lower": 3})
        self.assertEqual(w["how"], {"masked": 3})

    def test_first_words_taken_into_the_header(self):
        # class: the words that tell two events apart open the message and velo's header
        # inference took them: velo's template starts after them
        w = case([
            ("t1 alpha job started", "E1", "alpha job started", True, [], "a", "started"),
            ("t2 beta job started", "E2", "beta job started", True, [], "a", "started"),
        ])
        self.assertEqual(w["merged"], {"same-count": 2})
        self.assertEqual(w["how"], {"header": 2})

    def test_request_lines_by_method_and_route(self):
        # class: HTTP request lines folded across method and route, different token counts
        w = case([
            ("GET /a/1 200", "E1", "GET /a/<*> 200", True, [], "a", "<*> <*> 200"),
            ("POST /b 200 x", "E2", "POST /b 200 x", True, [], "a", "<*> <*> 200"),
        ])
        self.assertEqual(w["merged"], {"diff-count": 2})
        self.assertEqual(w["shapes"], {"http-method": 2, "http-route": 2, "lower": 2})

    def test_shapes_of_tokens(self):
        # class: each shape class on a neutral token
        cases = {"alpha": "lower", "Alpha": "Capital", "ALPHA": "UPPER", "alphaBeta": "camelCase",
                 "a1b2": "word+digit", "123": "number", "->": "symbol", "/x/y": "path",
                 "a_b.c": "compound", "<*>": None, "(alpha),": "lower"}
        for tok, want in cases.items():
            self.assertEqual(why.shape(tok, False), want, tok)
        self.assertEqual(why.shape("PUT", True), "http-method")
        self.assertEqual(why.shape("404", True), "http-status")
        self.assertEqual(why.shape("404", False), "number")

    def test_same_text_from_two_sources(self):
        # class: two truth events with the same template text (two sources, one message)
        w = case([
            ("t1 box opened", "A:E1", "box opened", True, [], "a", "box opened"),
            ("t2 box opened", "B:E1", "box opened", True, [], "a", "box opened"),
        ])
        self.assertEqual(w["merged"], {"same-text": 2})

    def test_head_joined_to_the_record_above(self):
        # class: a truth head line carries the previous line's group and its text does not
        # fit that template (velo read it as a continuation)
        w = case([
            ("t1 box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("t2 lid closed", "E2", "lid closed", True, [], "a", "box opened"),
            ("t3 box opened", "E1", "box opened", True, [], "a", "box opened"),
        ])
        self.assertEqual(w["merged"], {"record:head-joined": 3})

    def test_continuations_of_a_joined_head_count_with_it(self):
        # class: a record (head and continuation) joined to the record above: both lines
        # are wrong because of the join, not because of their words
        w = case([
            ("t1 box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("Dump follows:", "E2", "Dump follows:", True, [], "a", "box opened"),
            ("  frame one", "E2", "Dump follows:", False, [], "a", "box opened"),
            ("t3 box opened", "E1", "box opened", True, [], "a", "box opened"),
        ])
        self.assertEqual(w["merged"], {"record:head-joined": 4})  # the main event's lines too

    def test_head_that_fits_the_template_is_a_merge_not_a_join(self):
        # must not fire: the line above has the same group but the template fits the line
        w = case([
            ("t1 job started", "E1", "job started", True, [], "a", "job <*>"),
            ("t2 job stopped", "E2", "job stopped", True, [], "a", "job <*>"),
        ])
        self.assertNotIn("record:head-joined", w["merged"])


class FakeProbe:
    """A probe for attribute(): velo's (group, template) per line of each event mined alone,
    as given; records which events were asked for."""

    def __init__(self, alone):
        self.alone = alone
        self.asked = []

    def __call__(self, events):
        self.asked += events
        return {e: self.alone[e] for e in events if e in self.alone}


def staged(rows, alone):
    lines = [r[0] for r in rows]
    truth = [(r[1], r[2]) for r in rows]
    probe = FakeProbe(alone)
    w = why.attribute(lines, truth, [r[3] for r in rows], [r[4] for r in rows],
                      [(r[5], r[6]) for r in rows], probe)
    return w, probe


# Two events velo folded into one group (the words "started" / "stopped" tell them apart).
FOLDED = [
    ("t1 job started", "E1", "job started", True, [], "a", "job <*>"),
    ("t2 job started", "E1", "job started", True, [], "a", "job <*>"),
    ("t3 job stopped", "E2", "job stopped", True, [], "a", "job <*>"),
]


class Stages(unittest.TestCase):
    def test_words_masked_when_alone_is_the_mask_stage(self):
        # class: each event mined alone already reads its telling word as a variable
        w, probe = staged(FOLDED, {"E1": [("x", "job <*>")] * 2, "E2": [("y", "job <*>")]})
        self.assertEqual(w["stage_merged"], {"mask": 3})
        self.assertEqual(sorted(probe.asked), ["E1", "E2"])

    def test_words_kept_alone_and_lost_joined_is_the_miner_stage(self):
        # class: alone, each event keeps its telling word; only mined together they fold
        w, _ = staged(FOLDED, {"E1": [("x", "job started")] * 2, "E2": [("y", "job stopped")]})
        self.assertEqual(w["stage_merged"], {"miner": 3})

    def test_one_side_kept_is_enough_for_the_miner(self):
        # class: one event keeps its word alone, the other masks it: the join lost a word
        w, _ = staged(FOLDED, {"E1": [("x", "job started")] * 2, "E2": [("y", "job <*>")]})
        self.assertEqual(w["stage_merged"], {"miner": 3})

    def test_word_the_joined_template_keeps_is_no_miner_evidence(self):
        # must not fire: the word survives alone AND in the joined template (it does not tell
        # the folded lines apart there), the other side's word is masked alone
        rows = [
            ("t1 job started fast", "E1", "job started fast", True, [], "a", "job started <*>"),
            ("t2 job started fast", "E1", "job started fast", True, [], "a", "job started <*>"),
            ("t3 job started slow now", "E2", "job started slow now", True, [], "a", "job started <*>"),
        ]
        alone = {"E1": [("x", "job started <*>")] * 2, "E2": [("y", "job started <*> <*>")]}
        w, _ = staged(rows, alone)
        self.assertEqual(w["stage_merged"], {"mask": 3})

    def test_no_telling_word_compares_the_alone_templates(self):
        # class: the truth templates differ only in variables (a different count): the same
        # alone templates are the mask stage, different ones the miner's
        rows = [
            ("t1 box 4 shut", "E1", "box <*> shut", True, [], "a", "box <*> shut"),
            ("t2 box 4 5 shut", "E2", "box <*> <*> shut", True, [], "a", "box <*> shut"),
        ]
        same = {"E1": [("x", "box <*> shut")], "E2": [("y", "box <*> shut")]}
        self.assertEqual(staged(rows, same)[0]["stage_merged"], {"mask": 2})
        diff = {"E1": [("x", "box <*> shut")], "E2": [("y", "box <*> <*> shut")]}
        self.assertEqual(staged(rows, diff)[0]["stage_merged"], {"miner": 2})

    def test_split_event_one_group_alone_is_the_miner_stage(self):
        # class: an event cut in two groups that velo keeps whole when mined alone
        rows = [
            ("t1 item 4 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item <*> moved"),
            ("t2 item 5 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "a", "item <*> moved"),
            ("t3 item 7 moved", "E1", "item <*> moved", True, [(8, 9, "int")], "b", "item 7 moved"),
        ]
        one = {"E1": [("x", "item <*> moved")] * 3}
        self.assertEqual(staged(rows, one)[0]["stage_split"], {"miner": 3})
        # must not fire: cut alone too, so no other event is needed to cut it
        two = {"E1": [("x", "item <*> moved")] * 2 + [("y", "item 7 moved")]}
        self.assertEqual(staged(rows, two)[0]["stage_split"], {"mask": 3})

    def test_record_header_and_same_text_lines_need_no_probe(self):
        # must not fire: lines whose class already names the stage are not probed
        joined = [
            ("t1 box opened", "E1", "box opened", True, [], "a", "box opened"),
            ("t2 lid closed", "E2", "lid closed", True, [], "a", "box opened"),
            ("t3 box opened", "E1", "box opened", True, [], "a", "box opened"),
        ]
        w, probe = staged(joined, {})
        self.assertEqual((w["stage_merged"], probe.asked), ({"record": 3}, []))
        header = [
            ("t1 alpha job started", "E1", "alpha job started", True, [], "a", "started"),
            ("t2 beta job started", "E2", "beta job started", True, [], "a", "started"),
        ]
        w, probe = staged(header, {})
        self.assertEqual((w["stage_merged"], probe.asked), ({"header": 2}, []))
        same = [
            ("t1 box opened", "A:E1", "box opened", True, [], "a", "box opened"),
            ("t2 box opened", "B:E1", "box opened", True, [], "a", "box opened"),
        ]
        w, probe = staged(same, {})
        self.assertEqual((w["stage_merged"], probe.asked), ({"same-text": 2}, []))
        cut = [
            ("t1 box failed", "E1", "box failed", True, [], "a", "box failed"),
            ("  at frame one", "E1", "box failed", False, [], "c", "at frame one"),
            ("t2 [w2] box failed", "E1", "box failed", True, [], "b", "[w2] box failed"),
        ]
        w, probe = staged(cut, {})
        self.assertEqual(w["stage_split"], {"record": 2, "header": 1})  # the main group takes the cut
        self.assertEqual(probe.asked, [])

    def test_beyond_the_cap_and_failed_probes_are_unprobed(self):
        # class: only the largest groups are probed; an event velo failed on is not judged
        rows = FOLDED + [
            ("t4 lid shut", "E3", "lid shut", True, [], "b", "lid <*>"),
            ("t5 lid open", "E4", "lid open", True, [], "b", "lid <*>"),
        ]
        alone = {e: [("x", "q")] * 3 for e in ("E1", "E2", "E3", "E4")}
        saved = why.PROBE_GROUPS
        try:
            why.PROBE_GROUPS = 1
            w, probe = staged(rows, alone)
        finally:
            why.PROBE_GROUPS = saved
        self.assertEqual(sorted(probe.asked), ["E1", "E2"])
        self.assertEqual(w["stage_merged"], {"mask": 3, "unprobed": 2})
        w, _ = staged(FOLDED, {"E1": [("x", "job <*>")] * 2})
        self.assertEqual(w["stage_merged"], {"unprobed": 3})

    def test_no_probe_no_stages(self):
        # must not fire: without a probe the attribution is what it was
        self.assertNotIn("stage_merged", case(FOLDED))
        self.assertNotIn("stage_split", case(FOLDED))

    def test_kept_counts_each_constant_piece(self):
        self.assertTrue(why.kept("started", "job started", "<*> job started"))
        self.assertFalse(why.kept("started", "job started", "job <*>"))
        self.assertFalse(why.kept("a", "a b a", "a <*> <*>"))  # held once of twice
        self.assertTrue(why.kept("k=<*>", "x k=<*>", "x k=<*>"))
        self.assertIsNone(why.kept("->", "a -> b", "a <*> b"))
        self.assertFalse(why.kept("art", "job art", "job started"))  # not glued to letters

    def test_stage_format_and_sums(self):
        self.assertEqual(why.stage_format(0.5, 0.75, 100), {"formats": 1, "lines": 25})
        self.assertEqual(why.stage_format(0.5, 0.5, 100), {"formats": 0, "lines": 0})
        self.assertEqual(why.stage_format(0.5, None, 100), {"formats": 0, "lines": 0})
        t: dict = {}
        why.add(t, dict(why.nothing_wrong(4, True), stage_format={"formats": 0, "lines": 0}))
        why.add(t, {"lines": 2, "split": {}, "merged": {}, "shapes": {}, "how": {},
                    "stage_split": {"mask": 1}, "stage_merged": {"miner": 2},
                    "stage_format": {"formats": 1, "lines": 3}})
        self.assertEqual((t["stage_split"], t["stage_merged"], t["stage_format"]),
                         ({"mask": 1}, {"miner": 2}, {"formats": 1, "lines": 3}))
        self.assertEqual(why.stage_row("s", t), "| s | 6 | 1 | 0 / 0 / 1 / 0 / 0 | 2 | "
                                                "0 / 0 / 0 / 0 / 2 / 0 | 1, 3 |")
        u: dict = {}
        why.add(u, why.nothing_wrong(3))
        self.assertNotIn("stage_split", u)
        self.assertIsNone(why.stage_row("s", u))


class VeloProbe(unittest.TestCase):
    def test_one_file_per_event_with_only_its_lines(self):
        # class: the probe hands velo each event's lines alone, in order, with the source's
        # BOM and line ends, and reads velo's assignments back per line
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "fake_velo")
            with open(fake, "w") as f:
                f.write("#!/usr/bin/env python3\n"
                        "import json, sys\n"
                        "a = sys.argv\n"
                        "raw = open(a[3], 'rb').read()\n"
                        "ok = raw.startswith(b'\\xef\\xbb\\xbf') and b'\\r\\n' in raw\n"
                        "lines = raw.decode('utf-8-sig').splitlines()\n"
                        "with open(a[a.index('--assignments') + 1], 'w') as o:\n"
                        "    for k, l in enumerate(lines):\n"
                        "        o.write(json.dumps({'line': k + 1, 'template_id': str(ok),\n"
                        "                            'template': l}) + '\\n')\n")
            os.chmod(fake, 0o755)
            run = why.velo_probe(fake, os.path.join(d, "w"), ["a1", "b1", "a2", "c1"],
                                 ["A", "B", "A", "C"], bom=True, crlf=True)
            got = run(["A", "C"])
            self.assertEqual(got, {"A": [("True", "a1"), ("True", "a2")], "C": [("True", "c1")]})
            self.assertEqual(run.runs, 2)


class Helpers(unittest.TestCase):
    def test_lead_counts_tokens_before_the_message(self):
        self.assertEqual(why.lead("[w2] box <*>", "box <*>"), 1)
        self.assertEqual(why.lead("box <*>", "<*> box <*>"), -1)
        self.assertIsNone(why.lead("<*>", "box <*>"))

    def test_template_matches_reads_masks_as_any_text(self):
        self.assertTrue(why.template_matches("box <*> opened", "t1 INFO box 12 ab opened"))
        self.assertFalse(why.template_matches("box <*> opened", "t1 lid closed"))

    def test_value_kind_without_a_vars_file(self):
        # class: a value with no kind from the generator is classed by value, then by shape
        self.assertEqual(why.value_kind("12", "hash"), "hash")
        self.assertEqual(why.value_kind("10.0.0.1", None), "ip")
        self.assertEqual(why.value_kind("alpha beta", None), "text")
        self.assertEqual(why.value_kind("a_b.c/d", None), "path")
        self.assertEqual(why.value_kind("x=1;y", None), "compound")

    def test_add_sums_counts(self):
        t: dict = {}
        why.add(t, {"lines": 2, "split": {"x": 1}, "merged": {}, "shapes": {}, "how": {}})
        why.add(t, {"lines": 3, "split": {"x": 2}, "merged": {"y": 1}, "shapes": {}, "how": {"h": 1}})
        self.assertEqual(t, {"lines": 5, "split": {"x": 3}, "merged": {"y": 1}, "shapes": {},
                             "how": {"h": 1}})


class Table(unittest.TestCase):
    def test_held_out_sets_are_shown_in_aggregate_only(self):
        # class: a held-out set's per-dataset attribution never reaches the table or the JSON
        import log_digest_generality as gen
        one = {"lines": 10, "split": {"var:int": 2}, "merged": {"same-count": 3},
               "shapes": {"lower": 3}}
        results = {"dev": {"DevName": {"why": dict(one)}},
                   "held": {"HeldName": {"why": dict(one)}, "OtherHeld": {"why": dict(one)}}}
        meta = {"held": {"shuffle": {"HeldName": {"why": dict(one)}}}}
        lines, js = gen.why_table(results, meta)
        text = "\n".join(lines) + json.dumps(js)
        self.assertIn("DevName", text)
        self.assertNotIn("HeldName", text)
        self.assertNotIn("OtherHeld", text)
        self.assertEqual(js["held all"]["split"], {"var:int": 4})
        self.assertEqual(js["meta held shuffle"]["lines"], 10)
        gen.strip_held_why(results, meta)
        self.assertNotIn("why", results["held"]["HeldName"])
        self.assertNotIn("why", meta["held"]["shuffle"]["HeldName"])
        self.assertIn("why", results["dev"]["DevName"])

    def test_stage_table_shows_held_out_sets_in_aggregate_only(self):
        # class: the stage table follows the why table: held-out per-dataset rows never shown
        import log_digest_generality as gen
        one = {"lines": 10, "split": {"var:int": 2}, "merged": {}, "shapes": {}, "how": {},
               "stage_split": {"mask": 2}, "stage_merged": {},
               "stage_format": {"formats": 1, "lines": 4}}
        results = {"dev": {"DevName": {"why": dict(one)}},
                   "held": {"HeldName": {"why": dict(one)}, "OtherHeld": {"why": dict(one)}}}
        lines, js = gen.why_table(results, {})
        text = "\n".join(lines) + json.dumps(js)
        self.assertIn("Which stage decides", text)
        self.assertNotIn("HeldName", text)
        self.assertIn("| **held all** | 20 | 4 | 0 / 0 / 4 / 0 / 0 |", text)
        self.assertEqual(js["held all"]["stage_format"], {"formats": 2, "lines": 8})


class BoundedMatch(unittest.TestCase):
    """metamorphic.Glob matches a header format or a truth template as its regex does, without
    the regex's exponential backtracking on a line it does not (or barely) describe."""

    FORMATS = ["<Month> <Day> <Time> <Host> <Component>: <Content>",
               r"<Level><Date> <Time> <Thread> <Component>\] <Content>",
               r"\[<Date> <Time>: <Level>/<Process>\] <Content>",
               r"<Date> <Time> \| <Level> \| <Component>:<Func>:<Line> - <Content>",
               r"<Label> <Component>(\[<PID>\])?: <Content>"]
    LINES = ["Mar  3 04:05:06 hostq zorbd: wibble  wobble: x",
             "I0102 03:04:05.678 12 flimp.go:4] quux  frob",
             "[2021-02-03 04:05:06,789: WARNING/Worker-2] blorp zing",
             "2021-02-03 04:05:06 | INFO | mod.sub:fn:12 - narf - zort",
             "x y[12]: z", "x y: z", "", "   ", "  a  b  c : d ",
             "    lorem: ''    ", "a b c d e", "a\tb  c d e: f", "I 1 2 3] 4"]

    def spans(self, m, n):
        return None if m is None else [m.span(i) for i in range(1, n + 1)]

    def test_same_match_as_the_regex(self):
        # class: any header format, on lines it describes, almost describes and does not
        for fmt in self.FORMATS:
            g = why.metamorphic.format_regex(fmt)
            for line in self.LINES:
                with self.subTest(fmt=fmt, line=line):
                    self.assertEqual(self.spans(g.match(line), g.groups),
                                     self.spans(g.regex.match(line), g.groups))
        for tpl in ["zorp <*> fled to <*>", "<*> <*> <*>", "<*>", "a <*>: <*> done",
                    "klim <*><*> vun"]:
            g = why.metamorphic.template_regex(tpl)
            for text in ["zorp 12 fled to  far away", "x y z", "a b: c d: done", "", "q",
                         "klim 4 5 vun", "klim  vun", "zorp fled to x"]:
                with self.subTest(tpl=tpl, text=text):
                    self.assertEqual(self.spans(g.match(text), g.groups),
                                     self.spans(g.regex.match(text), g.groups))

    def test_a_line_the_regex_would_take_hours_on(self):
        # class: lazy fields split by whitespace over a long line of padding (the regex's
        # search is exponential in the number of fields there); the answer still comes
        g = why.metamorphic.format_regex(self.FORMATS[0])
        line = " " * 300 + "lorem: ''" + " " * 300
        m = g.match(line)
        self.assertIsNotNone(m)
        self.assertEqual(m.group("Content").strip(), "''")
        self.assertIsNone(g.match(" " * 300 + "lorem ''" + " " * 300))


if __name__ == "__main__":
    unittest.main()
