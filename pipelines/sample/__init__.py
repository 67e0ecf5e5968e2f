"""Deterministic sample company for Lastmile: a landing tree as the source systems export it.

    python -m pipelines.sample --seed 42 --scale 1 --start 2025-11-01 --end 2026-10-31 \\
        --out var/landing [--defect-rate 0.01] [--file-defects]

Same seed and arguments → byte-identical files. Scale 1 ≈ 30 reps in 3 regions and 6 squads,
~2,000 customers; scale N multiplies both.

Landing tree (one folder per source system; names starting with ``_`` are not ingested):

    crm/            CSV: regions, squads, reps, customers (GBK), contacts, customer_ownership,
                    leads, opportunities, opportunity_stage_history, sales_logs_YYYY-MM,
                    competitor_quotes, contracts (GBK), customer_level_changes, tasks,
                    success_cases, case_library_uses
    erp/            XLSX with Chinese headers: orders_YYYY-MM, deliveries, invoices_YYYY-MM,
                    payments_YYYY-MM, repairs
    meetings/       JSON {"data": [...]}: meetings_YYYY-MM
    docs/           CSV: documents_sent_YYYY-MM
    social/         JSON {"records": [...]}: interactions_YYYY-MM
    wecom/          JSON lines: external_contact_events (epoch seconds), messages_YYYY-MM
    daily_reports/  CSV in GBK: daily_reports_YYYY-MM
    rep_sheets/     one visit sheet per rep, each with its own headers, dates and encoding
    _manifest.json  generator arguments, every file (table, rows, encoding, format), every
                    planted defect (file, row, column, expected outcome, reason code)
    _truth/         story.json (the planted story), quotes.jsonl (quotes planted in WeCom chats)

Modules: ``company`` (people, customers, segments, handovers), ``leads``, ``deals``
(opportunities), ``activity`` (sales process in the CRM), ``erp``, ``engagement`` (meetings,
documents, social, chatter), ``wecom``, ``reports`` (daily reports, rep sheets), ``sources/*``
(one writer per source system), ``defects``, ``manifest``, ``story``.
"""

from .config import Config
from .generate import generate

__all__ = ["Config", "generate"]
