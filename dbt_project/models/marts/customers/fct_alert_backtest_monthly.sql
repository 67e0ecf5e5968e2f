{#- Alert backtest (预警回测), one row per month in which red alerts opened: how many alerts were
    followed by churn (precision). An alert is followed by churn when its customer churned after
    it opened and no later than `churn_alert_lookback_days` after its last red day — the mirror of
    the coverage rule. An alert is mature when that horizon has passed by the evaluation day (or the
    customer churned): precision of recent months is provisional. -#}
with

alerts as (
    select * from {{ ref('fct_red_alerts') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

rules as (
    {{ rule_parameter_row(['churn_alert_lookback_days']) }}
),

judged as (
    select
        alerts.alert_id,
        {{ month_start('alerts.opened_date') }} as alert_month,
        coalesce(
            customers.churned_date > alerts.opened_date
            and customers.churned_date <= evaluation.evaluation_date
            and customers.churned_date
            <= {{ add_days('alerts.last_red_date', 'rules.churn_alert_lookback_days') }},
            false
        ) as is_followed_by_churn,
        (
            {{ add_days('alerts.last_red_date', 'rules.churn_alert_lookback_days') }}
            <= evaluation.evaluation_date
            and not alerts.is_open
        )
        or coalesce(customers.churned_date <= evaluation.evaluation_date, false) as is_mature
    from alerts
    inner join customers
        on alerts.customer_id = customers.customer_id
    cross join evaluation
    cross join rules
),

monthly as (
    select
        alert_month,
        cast(count(*) as bigint) as alerts_opened,
        cast(sum(case when is_followed_by_churn then 1 else 0 end) as bigint)
            as alerts_followed_by_churn,
        cast(sum(case when is_mature then 1 else 0 end) as bigint) as mature_alerts,
        cast(
            {{ lm_ratio('sum(case when is_followed_by_churn then 1 else 0 end)', 'count(*)') }}
            as decimal(5, 4)
        ) as precision_rate,
        {{ month_label('alert_month') }} as alert_month_label
    from judged
    group by alert_month
),

final as (
    select
        monthly.alert_month,
        {{ partial_period_columns('monthly.alert_month', 'month') }},
        monthly.alerts_opened,
        monthly.alerts_followed_by_churn,
        monthly.mature_alerts,
        monthly.precision_rate,
        monthly.alert_month_label
    from monthly
    cross join evaluation
)

select * from final
