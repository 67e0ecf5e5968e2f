with

daily as (
    select * from {{ ref('fct_reverse_validation_daily') }}
),

final as (
    select
        rep_id,
        rep_name,
        squad_id,
        week_start,
        count(*) as rep_day_count,
        sum(case when is_flagged then 1 else 0 end) as flagged_day_count,
        sum(case when is_flagged then 1 else 0 end) * 1.0 / count(*) as flagged_day_share,
        sum(reported_customer_count) as reported_customer_count,
        sum(wecom_customer_count) as wecom_customer_count,
        {{ week_label('week_start') }} as week_label
    from daily
    group by rep_id, rep_name, squad_id, week_start
)

select * from final
