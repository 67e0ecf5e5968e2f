{#- Churn alert coverage (流失预警覆盖率), one row per month of churn: of the customers that
    churned in the month, the share that were red on at least one day of the
    `churn_alert_lookback_days` before the churn date, and the median lead time (days from the
    first such red day to the churn date). Only churns after the first evaluated health day count
    (before it there is no health history to be covered by). -#}
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

health as (
    select * from {{ ref('fct_customer_health_daily') }}
),

calendar as (
    select * from {{ ref('int_customer_health_calendar') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

rules as (
    {{ rule_parameter_row(['churn_alert_lookback_days']) }}
),

churned as (
    select
        customers.customer_id,
        customers.churned_date,
        {{ add_days('customers.churned_date', '0 - rules.churn_alert_lookback_days') }}
            as lookback_start
    from customers
    cross join calendar
    cross join evaluation
    cross join rules
    where
        customers.churned_date > calendar.first_evaluated_date
        and customers.churned_date <= evaluation.evaluation_date
),

first_red_days as (
    select
        churned.customer_id,
        min(health.health_date) as first_red_date
    from churned
    inner join health
        on
            churned.customer_id = health.customer_id
            and churned.lookback_start <= health.health_date
            and churned.churned_date > health.health_date
    where health.health_status = 'red'
    group by churned.customer_id
),

per_customer as (
    select
        churned.customer_id,
        first_red_days.first_red_date,
        {{ month_start('churned.churned_date') }} as churn_month,
        first_red_days.first_red_date is not null as is_covered,
        {{ lm_datediff('first_red_days.first_red_date', 'churned.churned_date', 'day') }}
            as lead_time_days
    from churned
    left join first_red_days
        on churned.customer_id = first_red_days.customer_id
),

monthly as (
    select
        churn_month,
        cast(count(*) as bigint) as churned_customers,
        cast(sum(case when is_covered then 1 else 0 end) as bigint) as covered_customers,
        cast(
            {{ lm_ratio('sum(case when is_covered then 1 else 0 end)', 'count(*)') }}
            as decimal(5, 4)
        ) as coverage_rate,
        percentile_cont(0.5) within group (order by lead_time_days) as median_lead_time_days,
        {{ month_label('churn_month') }} as churn_month_label,
        coalesce(
            {{ number_text(
                'percentile_cont(0.5) within group (order by lead_time_days)', ' 天'
            ) }},
            '无预警'
        ) as median_lead_time_text
    from per_customer
    group by churn_month
),

final as (
    select
        monthly.churn_month,
        {{ partial_period_columns('monthly.churn_month', 'month') }},
        monthly.churned_customers,
        monthly.covered_customers,
        monthly.coverage_rate,
        monthly.median_lead_time_days,
        monthly.churn_month_label,
        monthly.median_lead_time_text
    from monthly
    cross join evaluation
)

select * from final
