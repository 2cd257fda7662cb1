"""``glue-iam-kit train``: practise on a sandbox scenario and read the grade on the terminal (right or wrong per
answer, what was missed, where to look) before the answer; or ``--all``: the answer key, every scenario."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import Any

from glue_iam_kit.cli.options import EXIT_STATUSES
from glue_iam_kit.engine.marks import strip_marks
from glue_iam_kit.model import VERDICTS

# The steps that are not part of the procedure a trainee reads back.
_NOT_WHERE_TO_LOOK = ("failure", "prediction", "verdict", "grade")


def verdict_word(text: str) -> str:
    """argparse type of ``--verdict``: one of :data:`~glue_iam_kit.model.VERDICTS`, else a usage error (exit 2)
    that lists them."""
    word = text.strip()
    if word in VERDICTS:
        return word
    near = difflib.get_close_matches(word, VERDICTS, n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise argparse.ArgumentTypeError(f"unknown verdict {text!r}{hint}; the verdicts are: {', '.join(VERDICTS)}")


def default_training_folder(scenario: str | None) -> str:
    """Where practice (``practice/SCENARIO``) and the answer key (``answer-key``) go when --out is not given: the
    user's data folder, outside any repository (the executed notebook in them is not anonymised)."""
    from platformdirs import user_data_dir

    base = user_data_dir("glue-iam-kit", appauthor=False)
    return os.path.join(base, "practice", scenario) if scenario else os.path.join(base, "answer-key")


def add_train_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="practise on a sandbox scenario: predict, then read your grade",
        description="Run notebooks/03_training.ipynb with papermill on a sandbox scenario. Predict the verdict "
                    "(--verdict) and the deciding policy (--policy) before you look: the terminal shows the grade "
                    "first (right or wrong per answer, what was missed, where to look in report.md), then the "
                    "answer. --all runs every scenario into OUT/<scenario>/: the answer key. The folders default to "
                    "the user's data folder, outside any repository: investigation.ipynb in them is not anonymised.",
        epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", help="the scenario (see `glue-iam-kit scenarios`)")
    which.add_argument("--all", action="store_true", help="every scenario: the answer key (no grade)")
    p.add_argument("--verdict", type=verdict_word, metavar="VERDICT",
                   help=f"your predicted verdict: {', '.join(VERDICTS)}")
    p.add_argument("--policy", help="the policy you think decides, e.g. RequireMFA")
    p.add_argument("--escalation", choices=["yes", "no"], help="will the fix's security review find escalation "
                                                               "(the role may do what the principal may not)?")
    p.add_argument("--out", metavar="DIR", help="folder for the reports (default: the user's data folder, "
                                               "glue-iam-kit/practice/SCENARIO or glue-iam-kit/answer-key)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train, train_parser=p)


def cmd_train(args: argparse.Namespace) -> int:
    from glue_iam_kit.jupyter.params import TRAINING as TRAINING_PARAMS
    from glue_iam_kit.jupyter.params import parameters_from_args
    from glue_iam_kit.jupyter.run import TRAINING, run_investigation
    from glue_iam_kit.sources.sandbox import load_scenario_file, scenario_names

    if args.all and (args.verdict or args.policy or args.escalation):
        args.train_parser.error("--verdict, --policy and --escalation grade one scenario: give --scenario NAME, "
                                "not --all")
    if not args.all and not args.verdict and (args.policy or args.escalation):  # never dropped silently
        args.train_parser.error("--policy and --escalation are graded beside a predicted --verdict: add --verdict "
                                f"({', '.join(VERDICTS)})")
    if args.scenario:
        load_scenario_file(args.scenario)  # a clear error for an unknown scenario, before any kernel starts
    out_root = args.out or default_training_folder(args.scenario)
    names = scenario_names() if args.all else [args.scenario]
    for name in names:
        out = os.path.join(out_root, name) if args.all else out_root
        params = parameters_from_args(TRAINING_PARAMS, args, scenario=name)
        result = run_investigation(params, out, progress=not args.quiet, notebook=TRAINING)
        if not args.all:
            print(render_grade(result.get("steps", []), result["paths"]["report.md"]))
        print(f"{'answer: ' if not args.all else ''}{name}: {', '.join(result['verdicts'])}  ->  "
              f"{result['paths']['report.md']}")
    print(f"note: investigation.ipynb in {out_root}{'/*' if args.all else ''} is not anonymised (every step's "
          "evidence, as the sandbox built it): keep it out of repositories and tickets; report.md, report.html "
          "and findings.json are anonymised", file=sys.stderr)
    return 0


def render_grade(steps: list[dict[str, Any]], report: str) -> str:
    """The grade as terminal lines: each answer right or wrong, what was missed, where to look in *report*."""
    grade = next((s for s in steps if s.get("key") == "grade"), None)
    prediction = next((s for s in steps if s.get("key") == "prediction"), None)
    if grade is None:
        return "grade: none (the notebook recorded no grade)"
    if not (grade.get("details") or {}).get("prediction", {}).get("verdict"):
        why = prediction["summary"] if prediction else "no prediction recorded"
        return f"grade: nothing to grade ({why}); next time predict with --verdict (and --policy) before you look"
    lines = [f"grade: {'right' if grade['status'] == 'ok' else 'not quite'}"]
    for row in grade.get("evidence") or []:
        graded = not str(row.get("you said", "")).startswith("(")
        mark = ("right" if row.get("right") else "wrong") if graded else "not graded"
        lines.append(f"  {row.get('what', ''):<16} {mark:<10} you said {row.get('you said', '')}; the "
                     f"investigation found {row.get('the investigation found', '') or '-'}")
    missed = (grade.get("details") or {}).get("missed") or []
    if missed:
        lines.append("missed:")
        lines += [f"  - {m}" for m in missed]
    if grade["status"] != "ok":
        where = [f"step {s['step']} ({s['title']})" for s in steps
                 if s.get("status") == "problem" and s.get("key") not in _NOT_WHERE_TO_LOOK]
        lines.append(f"where to look: {report}, Appendix" + (": " + "; ".join(where) if where else ""))
    return strip_marks("\n".join(lines))  # the terminal shows the names, not the reports' marks
