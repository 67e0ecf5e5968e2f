{#- Monthly collection rate (月度回款率), one row per customer per month with money falling due:
    receivable_due_cny = what was still unpaid at the start of the month on invoices due by the
    end of the month (overdue balances carried in + invoices falling due in the month);
    collected_cny = payments received in the month on those invoices; rate = collected ÷ due
    (a choice: payments on invoices not yet due count as collected_early_cny, not in the rate, so
    the rate never exceeds 100 %). Rep = owner at the end of the month, squad = the rep's squad.
    Sum numerators and denominators to roll up to rep or squad. -#}
with

invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

invoice_days as (
    select * from {{ ref('int_invoice_days') }}
),

months as (
    select distinct {{ month_start('invoice_days.date_day') }} as month_start
    from invoice_days
),

-- the month's last day, or the evaluation day for the month still running (month to date:
-- what fell due and was paid by then)
month_ends as (
    select
        months.month_start,
        {{ period_end_date('months.month_start', 'month') }} as month_end
    from months
    cross join evaluation
),

invoice_months as (
    select
        month_ends.month_start,
        month_ends.month_end,
        invoices.invoice_id,
        invoices.customer_id,
        invoices.amount_cny,
        invoices.due_date
    from invoices
    inner join month_ends
        on
            invoices.invoice_date <= month_ends.month_end
            and invoices.due_date <= month_ends.month_end
),

payments_by_invoice_month as (
    select
        invoice_months.month_start,
        invoice_months.invoice_id,
        sum(
            case
                when payments.payment_date < invoice_months.month_start then payments.amount_cny
            end
        ) as paid_before_cny,
        sum(
            case
                when
                    payments.payment_date between invoice_months.month_start
                    and invoice_months.month_end
                    then payments.amount_cny
            end
        ) as paid_in_month_cny
    from invoice_months
    inner join payments
        on invoice_months.invoice_id = payments.invoice_id
    group by invoice_months.month_start, invoice_months.invoice_id
),

due_by_customer as (
    select
        invoice_months.month_start,
        invoice_months.month_end,
        invoice_months.customer_id,
        sum(
            invoice_months.amount_cny - coalesce(payments_by_invoice_month.paid_before_cny, 0)
        ) as receivable_due_cny,
        sum(coalesce(payments_by_invoice_month.paid_in_month_cny, 0)) as collected_cny
    from invoice_months
    left join payments_by_invoice_month using (month_start, invoice_id)
    group by invoice_months.month_start, invoice_months.month_end, invoice_months.customer_id
),

early_payments as (
    select
        month_ends.month_start,
        invoices.customer_id,
        sum(payments.amount_cny) as collected_early_cny
    from payments
    inner join invoices
        on payments.invoice_id = invoices.invoice_id
    inner join month_ends
        on payments.payment_date between month_ends.month_start and month_ends.month_end
    where invoices.due_date > month_ends.month_end
    group by month_ends.month_start, invoices.customer_id
),

owners as (
    select
        due_by_customer.month_start,
        due_by_customer.customer_id,
        ownership_periods.rep_id
    from due_by_customer
    inner join ownership_periods
        on
            due_by_customer.customer_id = ownership_periods.customer_id
            and {{ holds_at_end_of_day('ownership_periods', 'due_by_customer.month_end') }}
),

final as (
    select
        due_by_customer.month_start as collection_month,
        {{ partial_period_columns('due_by_customer.month_start', 'month') }},
        due_by_customer.customer_id,
        owners.rep_id,
        reps.squad_id,
        cast(due_by_customer.receivable_due_cny as decimal(38, 2)) as receivable_due_cny,
        cast(due_by_customer.collected_cny as decimal(38, 2)) as collected_cny,
        cast(coalesce(early_payments.collected_early_cny, 0) as decimal(38, 2))
            as collected_early_cny,
        cast(
            {{ lm_ratio('due_by_customer.collected_cny', 'due_by_customer.receivable_due_cny') }}
            as decimal(9, 4)
        ) as collection_rate,
        {{ month_label('due_by_customer.month_start') }} as collection_month_label
    from due_by_customer
    cross join evaluation
    left join early_payments using (month_start, customer_id)
    left join owners using (month_start, customer_id)
    left join reps
        on owners.rep_id = reps.rep_id
    where due_by_customer.receivable_due_cny > 0
)

select * from final
