{#- Receivables aging (应收账款账龄), one row per customer per day with an outstanding balance,
    from the first invoice day to the evaluation day, as of the end of the day: invoice amounts minus
    the payments allocated to them (payment date ≤ D), split into the aging buckets of the spec by
    days overdue on D (D − due date): not due (≤ 0), 1–30, 31–60, 61–90, > 90. The rep is the
    customer's owner at the end of D (ownership history) and the squad is that rep's squad. -#}
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

days as (
    select * from {{ ref('int_invoice_days') }}
),

payments_running as (
    select
        invoice_id,
        payment_date,
        sum(amount_cny) over (
            partition by invoice_id
            order by payment_date, payment_id
            rows between unbounded preceding and current row
        ) as paid_to_date_cny
    from payments
),

-- the day each invoice was paid in full (empty while a balance remains)
paid_off as (
    select
        invoices.invoice_id,
        min(payments_running.payment_date) as paid_off_date
    from invoices
    inner join payments_running
        on invoices.invoice_id = payments_running.invoice_id
    where payments_running.paid_to_date_cny >= invoices.amount_cny
    group by invoices.invoice_id
),

-- each unpaid invoice on each day from its invoice date (the spine is int_invoice_days)
open_invoice_days as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.amount_cny,
        invoices.due_date,
        days.date_day as balance_date
    from invoices
    inner join days
        on invoices.invoice_date <= days.date_day
    left join paid_off
        on invoices.invoice_id = paid_off.invoice_id
    where paid_off.paid_off_date is null or paid_off.paid_off_date > days.date_day
),

invoice_balances as (
    select
        open_invoice_days.invoice_id,
        open_invoice_days.customer_id,
        open_invoice_days.balance_date,
        {{ lm_datediff('open_invoice_days.due_date', 'open_invoice_days.balance_date', 'day') }}
            as days_overdue,
        open_invoice_days.amount_cny - coalesce(sum(payments.amount_cny), 0) as balance_cny
    from open_invoice_days
    left join payments
        on
            open_invoice_days.invoice_id = payments.invoice_id
            and open_invoice_days.balance_date >= payments.payment_date
    group by
        open_invoice_days.invoice_id,
        open_invoice_days.customer_id,
        open_invoice_days.balance_date,
        open_invoice_days.due_date,
        open_invoice_days.amount_cny
),

customer_days as (
    select
        customer_id,
        balance_date,
        count(*) as open_invoice_count,
        sum(balance_cny) as outstanding_cny,
        sum(case when days_overdue <= 0 then balance_cny else 0 end) as not_due_cny,
        sum(case when days_overdue between 1 and 30 then balance_cny else 0 end)
            as overdue_1_30_cny,
        sum(case when days_overdue between 31 and 60 then balance_cny else 0 end)
            as overdue_31_60_cny,
        sum(case when days_overdue between 61 and 90 then balance_cny else 0 end)
            as overdue_61_90_cny,
        sum(case when days_overdue > 90 then balance_cny else 0 end) as overdue_over_90_cny,
        max(days_overdue) as max_days_overdue
    from invoice_balances
    where balance_cny > 0
    group by customer_id, balance_date
),

owners as (
    select
        customer_days.customer_id,
        customer_days.balance_date,
        ownership_periods.rep_id
    from customer_days
    inner join ownership_periods
        on
            customer_days.customer_id = ownership_periods.customer_id
            and {{ holds_at_end_of_day('ownership_periods', 'customer_days.balance_date') }}
),

final as (
    select
        customer_days.customer_id,
        customer_days.balance_date,
        owners.rep_id,
        reps.squad_id,
        cast(customer_days.open_invoice_count as bigint) as open_invoice_count,
        cast(customer_days.outstanding_cny as decimal(38, 2)) as outstanding_cny,
        cast(customer_days.not_due_cny as decimal(38, 2)) as not_due_cny,
        cast(customer_days.overdue_1_30_cny as decimal(38, 2)) as overdue_1_30_cny,
        cast(customer_days.overdue_31_60_cny as decimal(38, 2)) as overdue_31_60_cny,
        cast(customer_days.overdue_61_90_cny as decimal(38, 2)) as overdue_61_90_cny,
        cast(customer_days.overdue_over_90_cny as decimal(38, 2)) as overdue_over_90_cny,
        cast(customer_days.max_days_overdue as bigint) as max_days_overdue
    from customer_days
    left join owners using (customer_id, balance_date)
    left join reps
        on owners.rep_id = reps.rep_id
)

select * from final
