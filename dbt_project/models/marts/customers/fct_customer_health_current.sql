{#- Each active customer's health on the evaluation day (客户当前健康), with what a person reads: the
    customer, its owner and region by name, the status as 红/黄/绿, the failing indicators by name,
    the evidence of each indicator as text with its unit (✓ passes, ✗ fails) and since when an open
    red alert runs. Customers not evaluated on the evaluation day (churned, prospects) are not here. -#}
with

health as (
    select * from {{ ref('fct_customer_health_daily') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

red_alerts as (
    select * from {{ ref('fct_red_alerts') }}
),

rules as (
    {{ rule_parameter_row(['h1_lookback_days', 'h2_window_days', 'h3_window_days']) }}
),

current_health as (
    select health.*
    from health
    inner join evaluation
        on health.health_date = evaluation.evaluation_date
),

open_alerts as (
    select
        customer_id,
        opened_date,
        red_days
    from red_alerts
    where is_open
),

final as (
    select
        current_health.customer_id,
        customers.customer_name,
        customers.industry,
        customers.customer_level,
        customers.region_id,
        customers.region_name,
        customers.owner_rep_id,
        customers.owner_display_name as owner_rep_name,
        customers.owner_squad_name,
        current_health.health_date,
        current_health.health_status,
        {{ code_label('health_status', 'current_health.health_status') }} as health_status_name,
        current_health.health_score,
        current_health.failing_count,
        {{ indicator_names('current_health.failing_indicators') }} as failing_indicator_names,
        case
            when current_health.h1_meeting_minutes is null
                then concat(
                    concat(
                        '无（',
                        cast(cast(rules.h1_lookback_days as integer) as {{ lm_type_string() }})
                    ),
                    '天内）✗'
                )
            else concat(
                concat(
                    cast(
                        cast(round(current_health.h1_meeting_minutes, 0) as integer)
                        as {{ lm_type_string() }}
                    ),
                    ' 分钟'
                ),
                case when current_health.h1_is_passing then ' ✓' else ' ✗' end
            )
        end as h1_evidence,
        {{ window_count_text(
            'rules.h2_window_days', 'current_health.h2_proposal_count', '份',
            'current_health.h2_is_passing'
        ) }} as h2_evidence,
        {{ window_count_text(
            'rules.h3_window_days', 'current_health.h3_interaction_count', '次',
            'current_health.h3_is_passing'
        ) }} as h3_evidence,
        case
            when not current_health.h4_is_applicable then '无交付，不计'
            else concat(
                concat(
                    concat(
                        concat(
                            concat(
                                cast(
                                    round(current_health.h4_on_time_rate * 100, 1)
                                    as {{ lm_type_string() }}
                                ),
                                '%（'
                            ),
                            cast(current_health.h4_on_time_count as {{ lm_type_string() }})
                        ),
                        '/'
                    ),
                    cast(current_health.h4_delivered_count as {{ lm_type_string() }})
                ),
                case when current_health.h4_is_passing then '）✓' else '）✗' end
            )
        end as h4_evidence,
        open_alerts.opened_date as red_alert_opened_date,
        case
            when open_alerts.opened_date is null then '无'
            else concat(
                concat(cast(open_alerts.opened_date as {{ lm_type_string() }}), ' 起，'),
                concat(cast(open_alerts.red_days as {{ lm_type_string() }}), ' 天')
            )
        end as red_alert_text
    from current_health
    cross join rules
    inner join customers
        on current_health.customer_id = customers.customer_id
    left join open_alerts
        on current_health.customer_id = open_alerts.customer_id
)

select * from final
