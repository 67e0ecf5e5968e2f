"""Render the landing contract as Markdown: ``python -m pipelines.ingest.contract_doc``.

``docs/landing-contract.md`` is this function's output, committed; a test regenerates it and fails
when the two differ, so the document cannot drift from the configuration.
"""

import sys

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import (
    FILE_REASONS,
    ROW_REASONS,
    SKIP_REASONS,
    Contract,
    load_contract,
)

INTRO = """# Landing contract

<!-- Generated from pipelines/ingest/contract.yaml by `make contract-doc`: do not edit. -->

What Lastmile accepts in the landing folder (`$LASTMILE_LANDING_DIR`, default `var/landing/`).
Every row of every file ends in exactly one place: its raw table `raw_<source>.<table>`, the
quarantine table `ingest.quarantine` (file, row, column, raw value, reason), or the duplicate
count; `ingest.file_audit` holds, per file, its hash and
`rows_read = rows_loaded + rows_quarantined + rows_duplicate`, where `rows_read` is counted by a
second, simple reading of the file (its lines, its sheet's rows), not taken from the parser.

## Files

- One folder per source system; each file is claimed by the table whose glob matches its path.
  A file that matches no table is rejected (`unknown_table`). Files and folders whose name
  starts with `_` or `.` are ignored (manifests, ground truth, hidden files).
- The landing folder is a boundary: a symbolic link (to a file or a folder), a device or pipe, or
  a path resolving outside the folder is refused without being read (`outside_landing`).
- Junk files are listed in the audit as skipped and never read: {junk}.
- A file modified less than {settle:g} s ago may still be being written: it is left for the next
  run (`still_being_written`), and so is a file that changes while it is read.
- A file name that is not valid UTF-8 (GBK names from an archive unpacked on Chinese Windows) is
  shown by its GB18030 reading, or with `\\xNN` escapes.
- Formats, from the extension: `.csv` / `.tsv` / `.txt` (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
  or GBK/GB18030 — detected from the bytes, never from the name; the delimiter, among {delimiters},
  is the one that splits the header row into the most cells), `.xlsx` (first sheet), `.json` (an
  array of objects, or one under `data` / `records`), `.jsonl` / `.ndjson`. CSV files are read in
  batches of about {batch:g} MB, so a big file does not need the memory of its size.
- Headers are matched after Unicode NFKC, trimming and lower-casing, against the canonical
  name and the aliases below. A header the contract does not know is kept, per row, in the raw
  table's `_extra` JSON column and listed in the file's audit row. When an optional column is
  missing while an unknown header is present, the audit row carries a warning (shown in the run
  summary and the Dagster UI): the header may be a spelling to add as an alias.
- Row numbers are what a person sees: CSV counts physical lines (the header is row 1; a row
  whose quoted cell runs over lines 7–9 is row 7); XLSX uses the sheet's own row numbers (blank
  rows do not shift them); JSON lines count lines; a JSON array counts elements from 1. Blank
  rows are not rows.
- Loading is idempotent: a file whose bytes were already loaded under the same contract is
  skipped; a changed file (same path, new content), or a change to its table's contract,
  replaces what that path loaded before. A rejected file loads nothing and leaves what an
  earlier version of it loaded.
- Timestamps without an offset are local time in `{timezone}`; timestamps with an offset are
  converted to it.

## What happens to each kind of bad file

{bad_files}

A rejected file never fails the run: the other files and tables load, dbt builds and the marts
publish. The rejection is in `ingest.file_audit` (`status = 'rejected'`, `error_code`,
`error_message`), in the ingestion asset's metadata and log, in the summary of
`python -m pipelines.run` (file and reason), and in an outbox alert (`landing_rejection`). An error
message never quotes the file's content beyond the contract's column names.
"""


# What happens to each kind of bad file: (the file, what happens). {max_lines} and {last_row} are
# filled from the contract.
BAD_FILES = [
    (
        "a row with a bad value (a date that is not one, a negative amount, an unknown id, …)",
        "the row is quarantined with its column and reason; the rest of the file loads",
    ),
    (
        "a number such as `1.234,50`, `1 234,50` or `12,5`",
        "`ambiguous_number`: quarantined, never guessed",
    ),
    (
        "a phone number in an amount column, an amount above the maximum, a date years ahead",
        "`implausible_value`, `out_of_range`, `date_out_of_range` (the rules below)",
    ),
    (
        "a row with more or fewer cells than the header (a wrong delimiter in one row)",
        "`wrong_field_count`",
    ),
    (
        "a stray quote (a quoted cell not closed within {max_lines} lines)",
        "that row is `unterminated_quote`; reading resumes on the next line, so the rows after "
        "it load",
    ),
    ("a quote inside an unquoted cell, text after a closing quote", "`malformed_quotes`"),
    (
        "a file cut off (it {last_row})",
        "the cut row is `truncated_row`; the rows before it load",
    ),
    (
        "one line in another encoding, or with control bytes (NUL)",
        "`undecodable_line` / `control_characters`: only that row",
    ),
    (
        "most lines undecodable, or a header that is not text (UTF-16 without BOM, a binary file)",
        "rejected whole: `undecodable`",
    ),
    (
        "a required column missing, or two headers for one column",
        "rejected whole: `missing_required_column`, `ambiguous_header`; the message names the "
        "contract's columns, never the file's content",
    ),
    (
        "a JSON line that is not an object, or a record spelling one key two ways",
        "`invalid_json`, `conflicting_keys`: that line only",
    ),
    ("a workbook cell holding `#DIV/0!`, `#N/A` …", "`excel_error`: that row"),
    (
        "a damaged workbook, an unsupported extension, a file that cannot be opened",
        "rejected whole: `unreadable`",
    ),
    (
        "an empty file; a file with only a header",
        "rejected: `empty`; loaded with 0 rows",
    ),
    ("a symbolic link, a path outside the folder", "refused unread: `outside_landing`"),
    ("an Office lock file `~$…`, `.DS_Store`, a partial download", "skipped: `junk_file`"),
    ("a file still being copied", "skipped: `still_being_written`; the next run reads it"),
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rules(contract: Contract) -> list[str]:
    out = [
        "## Plausibility rules",
        "",
        "Per type (`plausibility` in the contract); a column's own `min`, `max`, `max_days_ahead`"
        " and `not_before` override them (see the tables below).",
        "",
        "| type | rules |",
        "|---|---|",
    ]
    for type_name, rules in contract.plausibility.items():
        parts = []
        if rules.max is not None:
            parts.append(f"at most {rules.max:,.0f}")
        parts += [f"not {name} (`{pattern}`)" for name, pattern in rules.patterns]
        if rules.max_days_ahead is not None:
            parts.append(f"at most {rules.max_days_ahead} days after the load day")
        if rules.not_before is not None:
            parts.append(f"not before {rules.not_before}")
        out.append(f"| {type_name} | {_cell('; '.join(parts))} |")
    return [*out, ""]


def render(contract: Contract) -> str:
    landing = contract.landing
    last_row = (
        "ends inside a quoted cell, or without a final line break"
        if landing.csv.quarantine_last_row_without_line_break
        else "ends inside a quoted cell"
    )
    bad_files = ["| the file | what happens |", "|---|---|"] + [
        f"| {kind.format(max_lines=landing.csv.max_lines_per_row, last_row=last_row)} | {what} |"
        for kind, what in BAD_FILES
    ]
    out = [
        INTRO.format(
            bad_files="\n".join(bad_files),
            timezone=contract.timezone,
            junk=", ".join(f"`{g}`" for g in landing.junk_files),
            settle=landing.settle_seconds,
            delimiters=", ".join(f"`{d}`" if d != "\t" else "tab" for d in landing.csv.delimiters),
            batch=landing.batch_mb,
        ),
        "## Types and accepted styles",
        "",
        "| type | accepted |",
        "|---|---|",
        "| string | any text; NFKC-normalised and trimmed, empty → null |",
        "| integer, decimal | `1234.5`, `1,234.5` (comma thousands), `1 234.5` (space thousands);"
        " `1.234,50`, `1 234,50`, `12,5`, `1.234.567` are ambiguous |",
        "| amount_cny | the number styles with a currency or unit: `128000`, `¥128,000`, "
        "`128000元`, `12.8万`, `RMB 12.8w`, `1.2亿` |",
        "| date | `2026-01-05`, `2026/1/5`, `2026.1.5`, `2026年1月5日`, `20260105`, Excel"
        " serials |",
        "| timestamp | the date styles + `HH:MM[:SS]`; ISO 8601 with `T` and offset/`Z`; Excel"
        " serials; Unix epoch seconds or milliseconds (UTC) |",
        "| boolean | 是/否, true/false, yes/no, y/n, 1/0 |",
        "| json | text holding JSON (nested JSON values are serialised) |",
        "",
        "## Why a row is quarantined",
        "",
        "| reason_code | meaning |",
        "|---|---|",
        *[f"| `{code}` | {text} |" for code, text in ROW_REASONS.items()],
        "",
        "## Why a whole file is rejected",
        "",
        "A rejected file is named, with its reason, in the audit, the run summary and an outbox",
        "alert; it does not fail the run, and the other files and sources still load.",
        "",
        "| reason_code | meaning |",
        "|---|---|",
        *[f"| `{code}` | {text} |" for code, text in FILE_REASONS.items()],
        "",
        "## Why a file is skipped",
        "",
        "| reason_code | meaning |",
        "|---|---|",
        *[f"| `{code}` | {text} |" for code, text in SKIP_REASONS.items()],
        "",
        *_rules(contract),
    ]
    for source, description in contract.sources.items():
        out += [f"## Source `{source}`", "", description, ""]
        for table in (t for t in contract.tables if t.source == source):
            out += [
                f"### `{source}.{table.name}` → `{table.qualified_name}`",
                "",
                table.description,
                "",
                f"Files: {', '.join(f'`{g}`' for g in table.files)}. "
                f"Primary key: {', '.join(f'`{c}`' for c in table.primary_key) or '—'}.",
                "",
                "| column | type | required | accepted headers | rules | meaning |",
                "|---|---|---|---|---|---|",
            ]
            for col in table.columns:
                rules = []
                if col.values:
                    rules.append(
                        "one of "
                        + "; ".join(
                            f"`{k}`" + (f" ({', '.join(v)})" if v else "")
                            for k, v in col.values.items()
                        )
                    )
                if col.values_from:
                    seed, _, code_set = col.values_from.partition(":")
                    rules.append(
                        f"codes from the seed `{seed}`"
                        + (f" (code set `{code_set}`)" if code_set else "")
                    )
                if col.min is not None:
                    rules.append(f"≥ {col.min:g}")
                if col.max is not None:
                    rules.append(f"≤ {col.max:,.0f}")
                if col.max_days_ahead is not None:
                    rules.append(f"at most {col.max_days_ahead} days ahead")
                elif not col.check_future:
                    rules.append("any date ahead")
                if col.not_before is not None:
                    rules.append(f"not before {col.not_before}")
                if col.references:
                    rules.append(f"must exist in `{'.'.join(col.references)}`")
                headers = ", ".join(f"`{h}`" for h in (col.name, *col.aliases))
                out.append(
                    f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | {headers} "
                    f"| {_cell('; '.join(rules))} | {_cell(col.description)} |"
                )
            out.append("")
    return "\n".join(out)


def main() -> int:
    sys.stdout.write(render(load_contract(CONTRACT_PATH)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
