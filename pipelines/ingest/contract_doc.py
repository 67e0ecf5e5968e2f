"""Render the landing contract as Markdown: ``python -m pipelines.ingest.contract_doc``.

``docs/landing-contract.md`` is this function's output, committed; a test regenerates it and fails
when the two differ, so the document cannot drift from the configuration.
"""

import sys

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import FILE_REASONS, ROW_REASONS, Contract, load_contract

INTRO = """# Landing contract

<!-- Generated from pipelines/ingest/contract.yaml by `make contract-doc`: do not edit. -->

What Lastmile accepts in the landing folder (`$LASTMILE_LANDING_DIR`, default `var/landing/`).
Every row of every file ends in exactly one place: its raw table `raw_<source>.<table>`, the
quarantine table `ingest.quarantine` (file, row, column, raw value, reason), or the duplicate
count; `ingest.file_audit` holds, per file, its hash and
`rows_read = rows_loaded + rows_quarantined + rows_duplicate`.

## Files

- One folder per source system; each file is claimed by the table whose glob matches its path.
  A file that matches no table is rejected (`unknown_table`). Files and folders whose name
  starts with `_` or `.` are ignored (manifests, ground truth, temporary files).
- Formats, from the extension: `.csv` (UTF-8, UTF-8 with BOM, or GBK/GB18030 — detected from
  the bytes, never from the name), `.xlsx` (first sheet, header on row 1), `.json` (an array
  of objects, or one under `data` / `records`), `.jsonl` / `.ndjson`.
- Headers are matched after Unicode NFKC, trimming and lower-casing, against the canonical
  name and the aliases below. A header the contract does not know is kept, per row, in the raw
  table's `_extra` JSON column and listed in the file's audit row.
- Row numbers: CSV and XLSX count the header as row 1; JSON lines count lines; a JSON array
  counts elements from 1.
- Loading is idempotent: a file whose bytes were already loaded under the same contract is
  skipped; a changed file (same path, new content), or a change to its table's contract,
  replaces what that path loaded before. A rejected file loads nothing and leaves what an
  earlier version of it loaded.
- Timestamps without an offset are local time in `{timezone}`; timestamps with an offset are
  converted to it.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(contract: Contract) -> str:
    out = [
        INTRO.format(timezone=contract.timezone),
        "## Types and accepted styles",
        "",
        "| type | accepted |",
        "|---|---|",
        "| string | any text; NFKC-normalised and trimmed, empty → null |",
        "| integer, decimal | digits with optional thousands separators |",
        "| amount_cny | `128000`, `¥128,000`, `128000元`, `12.8万`, `RMB 12.8w`, `1.2亿` |",
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
        "A rejected file fails its Dagster asset with a message naming the file and the problem;",
        "the other files and sources still load.",
        "",
        "| reason_code | meaning |",
        "|---|---|",
        *[f"| `{code}` | {text} |" for code, text in FILE_REASONS.items()],
        "",
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
                if col.min is not None:
                    rules.append(f"≥ {col.min:g}")
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
