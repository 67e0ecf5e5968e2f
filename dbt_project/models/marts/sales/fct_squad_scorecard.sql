with

metrics as (
    select * from {{ ref('fct_sales_validation_metrics') }}
),

reverse_daily as (
    select * from {{ ref('fct_reverse_validation_daily') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

red_alerts as (
    select * from {{ ref('fct_red_alerts') }}
),

receivables as (
    select * from {{ ref('fct_receivables_daily') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

-- red alerts opened in the month on customers the squad's reps owned at the opening
red_alerts_monthly as (
    select
        reps.squad_id,
        cast({{ lm_date_trunc('month', 'red_alerts.opened_date') }} as date) as month_start,
        count(*) as red_alert_opened_count
    from red_alerts
    inner join reps
        on red_alerts.owner_rep_id_at_open = reps.rep_id
    group by reps.squad_id, cast({{ lm_date_trunc('month', 'red_alerts.opened_date') }} as date)
),

-- overdue receivables on the month's last balance day (month end, or the evaluation day)
month_last_balance_days as (
    select
        cast({{ lm_date_trunc('month', 'balance_date') }} as date) as month_start,
        max(balance_date) as balance_date
    from receivables
    group by cast({{ lm_date_trunc('month', 'balance_date') }} as date)
),

overdue_monthly as (
    select
        receivables.squad_id,
        month_last_balance_days.month_start,
        sum(
            receivables.overdue_1_30_cny
            + receivables.overdue_31_60_cny
            + receivables.overdue_61_90_cny
            + receivables.overdue_over_90_cny
        ) as overdue_receivables_cny,
        sum(receivables.overdue_over_90_cny) as overdue_over_90_cny
    from receivables
    inner join month_last_balance_days
        on receivables.balance_date = month_last_balance_days.balance_date
    where receivables.squad_id is not null
    group by receivables.squad_id, month_last_balance_days.month_start
),

reverse_monthly as (
    select
        squad_id,
        cast({{ lm_date_trunc('month', 'activity_date') }} as date) as month_start,
        count(*) as rep_day_count,
        cast(sum(case when is_flagged then 1 else 0 end) as bigint) as reverse_validation_flag_count
    from reverse_daily
    where squad_id is not null
    group by squad_id, cast({{ lm_date_trunc('month', 'activity_date') }} as date)
),

scored as (
    select
        metrics.month_start,
        metrics.period_end_date,
        metrics.days_covered,
        metrics.is_partial_period,
        metrics.scope_id as squad_id,
        squads.squad_name,
        squads.region_id,
        metrics.lead_count,
        metrics.median_response_minutes,
        metrics.is_median_infinite,
        metrics.response_target_minutes,
        metrics.meets_response_target,
        metrics.process_compliance_rate,
        metrics.compliance_target,
        metrics.meets_compliance_target,
        metrics.knowledge_reuse_rate,
        metrics.reuse_target,
        metrics.meets_reuse_target,
        cast(
            (case when metrics.meets_response_target = false then 1 else 0 end)
            + (case when metrics.meets_compliance_target = false then 1 else 0 end)
            + (case when metrics.meets_reuse_target = false then 1 else 0 end)
            as bigint
        ) as missed_target_count,
        coalesce(reverse_monthly.reverse_validation_flag_count, 0)
            as reverse_validation_flag_count,
        coalesce(reverse_monthly.rep_day_count, 0) as rep_day_count,
        coalesce(red_alerts_monthly.red_alert_opened_count, 0) as red_alert_opened_count,
        coalesce(cast(overdue_monthly.overdue_receivables_cny as decimal(38, 2)), 0)
            as overdue_receivables_cny,
        coalesce(cast(overdue_monthly.overdue_over_90_cny as decimal(38, 2)), 0)
            as overdue_over_90_cny,
        (
            case
                when metrics.is_median_infinite then 1.0
                when metrics.median_response_minutes > metrics.response_target_minutes
                    then
                        (metrics.median_response_minutes - metrics.response_target_minutes)
                        / metrics.median_response_minutes
                else 0.0
            end
        )
        + (
            case
                when metrics.process_compliance_rate < metrics.compliance_target
                    then
                        (metrics.compliance_target - metrics.process_compliance_rate)
                        / metrics.compliance_target
                else 0.0
            end
        )
        + (
            case
                when metrics.knowledge_reuse_rate < metrics.reuse_target
                    then
                        (metrics.reuse_target - metrics.knowledge_reuse_rate) / metrics.reuse_target
                else 0.0
            end
        ) as shortfall_score
    from metrics
    inner join squads
        on metrics.scope_id = squads.squad_id
    left join reverse_monthly
        on
            metrics.scope_id = reverse_monthly.squad_id
            and metrics.month_start = reverse_monthly.month_start
    left join red_alerts_monthly
        on
            metrics.scope_id = red_alerts_monthly.squad_id
            and metrics.month_start = red_alerts_monthly.month_start
    left join overdue_monthly
        on
            metrics.scope_id = overdue_monthly.squad_id
            and metrics.month_start = overdue_monthly.month_start
    where metrics.scope_type = 'squad'
),

final as (
    select
        *,
        cast(row_number() over (
            partition by month_start
            order by
                missed_target_count desc,
                shortfall_score desc,
                reverse_validation_flag_count desc,
                red_alert_opened_count desc,
                overdue_receivables_cny desc,
                squad_id asc
        ) as bigint) as support_rank,
        {{ month_label('month_start') }} as month_label,
        {{ minutes_text(
            'median_response_minutes', 'is_median_infinite', '∞（有线索未触达）', '本月无线索'
        ) }} as median_response_text,
        {{ target_status_label('meets_response_target') }} as meets_response_target_name,
        {{ target_status_label('meets_compliance_target') }} as meets_compliance_target_name,
        {{ target_status_label('meets_reuse_target') }} as meets_reuse_target_name,
        count(*) over (partition by month_start) as squads_ranked,
        {{ percent_text('process_compliance_rate') }} as process_compliance_text,
        {{ percent_text('knowledge_reuse_rate') }} as knowledge_reuse_text
    from scored
)

select * from final
