{#- The days receivables are reported on: one row per day from the first invoice day to the
    evaluation day, both included, taken from the project's one date spine (macros/date_spine.sql).
    fct_receivables_daily ages the balances on each day, fct_collection_monthly takes its months
    from them. No invoice yet: no day. -#}
with

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

bounds as (
    select
        min(invoices.invoice_date) as first_invoice_date,
        max(evaluation.evaluation_date) as evaluation_date
    from invoices
    cross join evaluation
),

final as (
    {{ lm_date_spine('bounds', 'bounds.first_invoice_date', 'bounds.evaluation_date') }}
)

select * from final
