with

daily as (
    select * from {{ ref('fct_reverse_validation_daily') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

weekly as (
    select
        rep_id,
        rep_name,
        squad_id,
        week_start,
        count(*) as rep_day_count,
        cast(sum(case when is_flagged then 1 else 0 end) as bigint) as flagged_day_count,
        {{ lm_ratio('sum(case when is_flagged then 1 else 0 end)', 'count(*)') }}
            as flagged_day_share,
        cast(sum(reported_customer_count) as bigint) as reported_customer_count,
        cast(sum(wecom_customer_count) as bigint) as wecom_customer_count,
        {{ week_label('week_start') }} as week_label
    from daily
    group by rep_id, rep_name, squad_id, week_start
),

final as (
    select
        weekly.rep_id,
        weekly.rep_name,
        weekly.squad_id,
        weekly.week_start,
        {{ partial_period_columns('weekly.week_start', 'week') }},
        weekly.rep_day_count,
        weekly.flagged_day_count,
        weekly.flagged_day_share,
        weekly.reported_customer_count,
        weekly.wecom_customer_count,
        weekly.week_label
    from weekly
    cross join evaluation
)

select * from final
