with

report_lines as (
    select * from {{ ref('stg_daily_reports__report_lines') }}
),

messages as (
    select * from {{ ref('int_wecom_messages_resolved') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

settings as (
    select {{ rule_parameter('reverse_validation_max_diff_ratio') }} as max_diff_ratio
),

reported as (
    select
        rep_id,
        report_date as activity_date,
        count(distinct customer_id) as reported_customer_count
    from report_lines
    group by rep_id, report_date
),

wecom as (
    select
        rep_id,
        sent_date as activity_date,
        count(distinct customer_id) as wecom_customer_count
    from messages
    where is_sent_by_rep and customer_id is not null
    group by rep_id, sent_date
),

rep_days as (
    select
        rep_id,
        activity_date
    from reported
    union
    select
        rep_id,
        activity_date
    from wecom
),

counted as (
    select
        rep_days.rep_id,
        rep_days.activity_date,
        coalesce(reported.reported_customer_count, 0) as reported_customer_count,
        coalesce(wecom.wecom_customer_count, 0) as wecom_customer_count
    from rep_days
    left join reported
        on rep_days.rep_id = reported.rep_id and rep_days.activity_date = reported.activity_date
    left join wecom
        on rep_days.rep_id = wecom.rep_id and rep_days.activity_date = wecom.activity_date
),

-- how far the report is from WeCom, relative to WeCom (none when WeCom has no customer)
compared as (
    select
        *,
        {{ ratio_of_counts(
            'abs(reported_customer_count - wecom_customer_count)', 'wecom_customer_count'
        ) }} as diff_ratio
    from counted
),

final as (
    select
        compared.rep_id,
        reps.rep_name,
        reps.squad_id,
        compared.activity_date,
        cast({{ lm_date_trunc('week', 'compared.activity_date') }} as date) as week_start,
        compared.reported_customer_count,
        compared.wecom_customer_count,
        compared.diff_ratio,
        case
            when compared.wecom_customer_count > 0
                then compared.diff_ratio > settings.max_diff_ratio
            else compared.reported_customer_count > 0
        end as is_flagged,
        -- why a day is flagged, in the words of the outbox message (null when it is not)
        case
            when
                compared.wecom_customer_count > 0
                and compared.diff_ratio > settings.max_diff_ratio
                then concat(
                    concat(
                        '差异',
                        {{ number_text(
                            '100.0 * abs(compared.reported_customer_count '
                            ~ '- compared.wecom_customer_count) / compared.wecom_customer_count',
                            '%'
                        ) }}
                    ),
                    concat('，超过上限', {{ number_text('100.0 * settings.max_diff_ratio', '%') }})
                )
            when compared.wecom_customer_count = 0 and compared.reported_customer_count > 0
                then '企业微信当天没有联系任何客户'
        end as flag_reason
    from compared
    cross join settings
    left join reps
        on compared.rep_id = reps.rep_id
)

select * from final
