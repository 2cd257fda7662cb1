"""An investigation's four files (:data:`glue_iam_kit.files.OUTPUT_FILES`), rendered, checked and written.

The fix is anonymised as data and its code rendered from the anonymised values
(:mod:`glue_iam_kit.reports.fix_anonymise`); that code is never rewritten afterwards: the reports' last text
pass and the survivor check skip it (it is shielded while they run). Every file is rendered first and written
last (each atomically): a failed run leaves no half report. A last check refuses to write an anonymised file in
which a real identifier survives.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_iam_kit.diagnosis.reproduce import OPTION_KINDS
from glue_iam_kit.errors import IdentifierSurvived, KitError
from glue_iam_kit.files import OUTPUT_FILES, write_text_atomic
from glue_iam_kit.reports.anonymise import Anonymiser, find_survivors
from glue_iam_kit.reports.fix_anonymise import anonymise_fix, fix_code_blocks, fix_survivors, without_kit_names
from glue_iam_kit.reports.survivor_location import locate_survivors

REPORT_FORMS = ("postmortem", "investigation")


def with_fix(results: dict[str, Any], fix: dict[str, Any] | None) -> dict[str, Any]:
    """*results* with *fix* as its fix, wherever a step carries it too."""
    out = dict(results, fix=fix)
    out["steps"] = [dict(s, details=dict(s["details"], fix=fix)) if "fix" in (s.get("details") or {}) else s
                    for s in results.get("steps", [])]
    if fix and (results.get("verification") or {}).get("policy_printed"):
        out["verification"] = dict(results["verification"], policy_printed=json.dumps(fix["policy"]))
    return out


def _shield(text: str, blocks: list[str], escape: Callable[[str], str] = str) -> tuple[str, dict[str, str]]:
    """*text* with each of *blocks* (as *escape* writes it) replaced by a mark no name can match."""
    marks = {}
    for i, block in sorted(enumerate(blocks), key=lambda b: -len(b[1])):
        shown = str(escape(block))
        if block and shown in text:
            mark = f"\ue000{chr(0xE100 + i)}\ue000"
            text, marks[mark] = text.replace(shown, mark), shown
    return text, marks


def _unshield(text: str, marks: dict[str, str]) -> str:
    for mark, shown in marks.items():
        text = text.replace(mark, shown)
    return text


def _anonymised_notebook_page(notebook_text: str, anonymiser: Anonymiser, real: list[str],
                              anonymous: list[str]) -> tuple[str, dict[str, str]]:
    """The investigation-form page: the notebook anonymised, its fix code replaced by the anonymised record's."""
    from glue_iam_kit.reports.html import render_report_html

    nb = json.loads(notebook_text)
    marks: dict[str, str] = {}
    pairs = list(zip(real, anonymous, strict=False))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            for mime, value in (output.get("data") or {}).items():
                if not isinstance(value, str | list):
                    continue
                text = "".join(value) if isinstance(value, list) else value
                for escape in (html.escape, str):
                    for i, (before, after) in enumerate(pairs):
                        mark = f"\ue000{chr(0xE100 + i)}{chr(0xE200 + (escape is str))}\ue000"
                        if before and escape(before) in text:
                            text, marks[mark] = text.replace(escape(before), mark), escape(after)
                output["data"][mime] = text
    return render_report_html(anonymiser.anonymise_notebook(nb)), marks


def anonymise_results(results: dict[str, Any], identifiers: dict[str, Any]
                      ) -> tuple[dict[str, Any], Anonymiser, dict[str, Any]]:
    """findings.json as the anonymised files show it, the Anonymiser that made it, and the identifiers it
    replaced (without the kit's own names). The fix is anonymised as data first: its forms come from its values."""
    identifiers = without_kit_names(identifiers, results.get("fix"))
    anonymiser = Anonymiser(identifiers)
    fix = anonymise_fix(results.get("fix"), anonymiser)
    whole = _unscannable_arns(results, anonymiser)
    rest = with_fix(results, None)
    # Each step's reproduce commands are shell words: anonymised word by word, quoted again after (as the fix's
    # forms, never rewritten as text: a quoted ARN with a quote in it would escape a scan).
    commands = [[_anonymise_command(c, anonymiser, whole) for c in s.get("reproduce") or []]
                for s in rest.get("steps") or []]
    rest = {**rest, "steps": [{k: v for k, v in s.items() if k != "reproduce"} for s in rest.get("steps") or []]}
    out = with_fix(anonymiser.anonymise_object(_replace_whole(rest, whole)), fix)
    for step, original, cmds in zip(out.get("steps") or [], results.get("steps") or [], commands, strict=False):
        if "reproduce" in original:
            step["reproduce"] = cmds
    _render_scoped_role(out.get("fix"), results.get("fix"), anonymiser)
    return out, anonymiser, identifiers


def _render_scoped_role(fix: dict[str, Any] | None, real: dict[str, Any] | None, anonymiser: Anonymiser) -> None:
    """The security review's narrower alternative: its command rendered again from anonymised values (the role by
    its type), as the fix's forms are."""
    from glue_iam_kit.diagnosis.scoped_role import render_scoped_command, restore_kit_constants

    scoped = ((fix or {}).get("review") or {}).get("scoped_role")
    original = ((real or {}).get("review") or {}).get("scoped_role") or {}
    if scoped and original.get("policy"):
        restore_kit_constants(scoped["policy"], original["policy"])
    if scoped and original.get("role"):
        scoped["role"] = anonymiser.typed("role", original["role"])
        scoped["command"] = render_scoped_command(scoped["role"], scoped["policy"],
                                                  anonymiser.typed("profile", original.get("profile") or ""))


def _anonymise_command(command: str, anonymiser: Anonymiser, whole: dict[str, str]) -> str:
    """One shell command, anonymised word by word and quoted again (a word that will not split: as text)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return anonymiser.anonymise_text(_replace_whole(command, whole))
    out, option = [], ""
    for word in words:
        option = word if word.startswith("--") else option
        out.append(word if word is option else _anonymise_word(option, word, anonymiser, whole))
    return shlex.join(out)


def _anonymise_word(option: str, word: str, anonymiser: Anonymiser, whole: dict[str, str]) -> str:
    """One value of a reproduce command, typed by the option it follows: a name by its kind, a context entry or a
    policy document as data; anything else as text."""
    from glue_iam_kit.reports.marked_code import CONTEXT_ENTRY
    from glue_iam_kit.reports.typed import anonymise_record

    if option in OPTION_KINDS:  # a name the option says the kind of: replaced by type, never scanned
        return anonymiser.typed(OPTION_KINDS[option], word)
    entry = CONTEXT_ENTRY.fullmatch(word) if option == "--context-entries" else None
    if entry:
        e = anonymise_record(anonymiser, {"ContextKeyName": entry[2], "ContextKeyValues": entry[3].split(",")})
        return entry[1] + ",".join(e["ContextKeyValues"]) + entry[4]
    if word.startswith(("{", "[")):
        try:
            return json.dumps(anonymise_record(anonymiser, json.loads(_replace_whole(word, whole))),
                              separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            pass
    return anonymiser.anonymise_text(_replace_whole(word, whole))


def _unscannable_arns(results: dict[str, Any], anonymiser: Anonymiser) -> dict[str, str]:
    """The resource ARNs no text scan reads whole (an S3 key with a space or a quote), by their anonymised form."""
    fix = results.get("fix") or {}
    arns = [(results.get("error") or {}).get("resource") or ""]
    for st in fix.get("statement") or []:
        arns += st["Resource"] if isinstance(st.get("Resource"), list) else [st.get("Resource")]
    return {a: anonymiser.anonymise_arn(a) for a in arns if isinstance(a, str) and a.startswith("arn:")
            and re.search(r"[\s\"'`<>\\,;)\]}]", a)}


def _replace_whole(node: Any, whole: dict[str, str]) -> Any:
    """*node* with each key of *whole* replaced by its value in every string, before any text is scanned. A pasted
    error is left as it is: it is allow-listed from its parse (an ARN already holding placeholders would not parse
    back whole, and the message would be cut at ``<account-id>``)."""
    from glue_iam_kit.reports.typed import FREE_TEXT

    if not whole:
        return node
    if isinstance(node, str):
        for real, anonymous in sorted(whole.items(), key=lambda kv: -len(kv[0])):
            node = node.replace(real, anonymous)
        return node
    if isinstance(node, list):
        return [_replace_whole(v, whole) for v in node]
    if isinstance(node, dict):
        return {k: v if k in FREE_TEXT else _replace_whole(v, whole) for k, v in node.items()}
    return node


def survivors_in_files(files: dict[str, str], identifiers: dict[str, Any]) -> dict[str, list[str]]:
    """The identifiers still standing in each anonymised file of *files* (as written): prose and data as text,
    the fix by type. The fix's code is rendered from anonymised values: ``role/`` in an ARN or ``policy =`` in
    Terraform are the forms' words, whatever a principal is called."""
    import markupsafe

    data = json.loads(files["findings.json"])
    fix = data.get("fix")
    blocks = fix_code_blocks(fix)
    found = {}
    for out in OUTPUT_FILES:
        if not out.anonymised:
            continue
        if out.kind == "json":
            text = json.dumps(with_fix(data, None))
        else:
            text = _shield(files[out.name], blocks, markupsafe.escape if out.kind == "html" else str)[0]
        found[out.name] = find_survivors(text, identifiers, out.kind) + (
            fix_survivors(fix, identifiers) if out.kind == "json" else [])
    return found


def render_outputs(notebook_text: str, results: dict[str, Any], identifiers: dict[str, Any],
                   report: str = "postmortem") -> dict[str, str]:
    """Every output file's text, anonymised where it must be; raises :class:`IdentifierSurvived` when an
    identifier survives, KitError when the fix differs between outputs. *report*: ``postmortem`` (report.md and
    report.html as a postmortem, the page from the findings) or ``investigation`` (the step-by-step log, the page
    from the executed notebook)."""
    if report not in REPORT_FORMS:
        raise KitError(f"--report must be one of {', '.join(REPORT_FORMS)}, not {report!r}")
    anonymous, anonymiser, identifiers = anonymise_results(results, identifiers)
    fix = anonymous.get("fix")
    blocks = fix_code_blocks(fix)
    if report == "postmortem":
        import markupsafe

        from glue_iam_kit.reports.page import render_postmortem_html
        from glue_iam_kit.reports.postmortem import render_postmortem_md

        # The page's own prose gets the same last pass as report.md's, on its text nodes; the fix's code none.
        page, page_marks = _shield(render_postmortem_html(anonymous), blocks, markupsafe.escape)
        page = anonymiser.anonymise_html(page)
        text = render_postmortem_md(anonymous)
    else:
        from glue_iam_kit.reports.markdown import render_report_md

        page, page_marks = _anonymised_notebook_page(notebook_text, anonymiser, fix_code_blocks(results.get("fix")),
                                                     blocks)
        text = render_report_md(anonymous)
    text, text_marks = _shield(text, blocks)
    shielded = {"report.html": page, "report.md": anonymiser.anonymise_text(text),
                "findings.json": json.dumps(with_fix(anonymous, None), indent=1, default=str) + "\n"}
    for out in OUTPUT_FILES:
        survivors = find_survivors(shielded[out.name], identifiers, out.kind) if out.anonymised else []
        if out.name == "findings.json" and not survivors and fix_survivors(fix, identifiers):  # the fix, by type
            survivors, shielded[out.name] = fix_survivors(fix, identifiers), json.dumps({"fix": fix}, default=str)
        if survivors:
            # Never name them here: this message may itself end up in a ticket.
            raise IdentifierSurvived(out.name, locate_survivors(shielded[out.name], out.kind, survivors, identifiers))
    files = {
        "investigation.ipynb": notebook_text,
        "report.html": _unshield(shielded["report.html"], page_marks),
        "report.md": _unshield(shielded["report.md"], text_marks),
        "findings.json": json.dumps(anonymous, indent=1, default=str) + "\n",
    }
    check_fix_intact(files)
    return files


def visible_text(page: str) -> str:
    """What a reader of an HTML page sees (no markup, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.DOTALL)))


def check_fix_intact(files: dict[str, str]) -> None:
    """The fix a reader copies is the same in findings.json, report.md and report.html (its visible text), and
    its policy is JSON; raises KitError otherwise (a report with a corrupted fix is worse than none)."""
    fix = json.loads(files["findings.json"]).get("fix") or {}
    if not fix.get("policy"):
        return
    policy = json.dumps(fix["policy"], indent=2)
    json.loads(policy)
    pieces = [policy] + [v for v in (fix.get("forms") or {"cli": fix.get("command", "")}).values() if v]
    page = visible_text(files["report.html"])
    for name, text in (("report.md", files["report.md"]), ("report.html", page)):
        missing = [p for p in pieces if p not in text]
        if missing:
            raise KitError(f"refusing to write the reports: the fix in {name} differs from findings.json")


def write_outputs(out_dir: str, files: dict[str, str]) -> dict[str, str]:
    """Write the rendered files into *out_dir*; their paths, by name."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for f in OUTPUT_FILES:
            write_text_atomic(out / f.name, files[f.name])
    except FileExistsError:
        raise KitError(f"cannot write the reports into {out_dir!r}: it is a file, not a folder") from None
    except OSError as exc:
        raise KitError(f"cannot write the reports into {out_dir!r}: {exc.strerror or exc}") from None
    return {f.name: str(out / f.name) for f in OUTPUT_FILES}
