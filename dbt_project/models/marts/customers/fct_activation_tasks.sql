{#- Customer activation task pack (客户激活任务包): when a red alert opens, one task per indicator
    failing that day, from the health_indicators template, owned by the customer's owner at the
    end of the opening day (empty: 待分配), due `activation_task_due_days` after it. The pack
    follows its alert: it is open while the alert is, and its current owner is the alert's (a
    leaver's open pack passes to the squad lead, or 待分配). -#}
with

alerts as (
    select * from {{ ref('fct_red_alerts') }}
),

health as (
    select * from {{ ref('fct_customer_health_daily') }}
),

health_indicators as (
    select * from {{ ref('health_indicators') }}
),

rules as (
    {{ rule_parameter_row(['activation_task_due_days']) }}
),

-- the health row of each alert's opening day, joined once
opening_days as (
    select
        alerts.alert_id,
        alerts.customer_id,
        alerts.opened_date,
        alerts.current_owner_rep_id,
        alerts.assignment_status,
        alerts.is_open,
        health.owner_rep_id,
        health.h1_is_passing,
        health.h2_is_passing,
        health.h3_is_passing,
        health.h4_is_passing
    from alerts
    inner join health
        on alerts.customer_id = health.customer_id and alerts.opened_date = health.health_date
),

-- one row per indicator of the spec (H1–H4, the health mart's columns)
opening_day_indicators as (
    {%- for code in ['h1', 'h2', 'h3', 'h4'] %}
        select
            alert_id,
            customer_id,
            opened_date,
            owner_rep_id,
            current_owner_rep_id,
            assignment_status,
            is_open,
            '{{ code | upper }}' as indicator_code,
            {{ code }}_is_passing as is_passing
        from opening_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        concat(concat(opening_day_indicators.alert_id, '-'), opening_day_indicators.indicator_code)
            as activation_task_id,
        opening_day_indicators.alert_id,
        opening_day_indicators.customer_id,
        opening_day_indicators.indicator_code,
        health_indicators.indicator_name,
        opening_day_indicators.owner_rep_id,
        opening_day_indicators.opened_date as created_date,
        {{ add_days(
            'opening_day_indicators.opened_date', 'rules.activation_task_due_days'
        ) }} as due_date,
        health_indicators.task_title,
        health_indicators.task_template,
        opening_day_indicators.is_open,
        opening_day_indicators.current_owner_rep_id,
        opening_day_indicators.assignment_status,
        {{ customer_name('opening_day_indicators.customer_id') }} as customer_name,
        coalesce(
            {{ rep_name('opening_day_indicators.current_owner_rep_id') }},
            {{ code_label('assignment_status', 'opening_day_indicators.assignment_status') }}
        ) as current_owner_rep_name,
        {{ code_label('assignment_status', 'opening_day_indicators.assignment_status') }}
            as assignment_status_name,
        {{ code_label(
            'task_status',
            "case when opening_day_indicators.is_open then 'open' else 'closed' end"
        ) }} as task_status_name
    from opening_day_indicators
    inner join health_indicators
        on opening_day_indicators.indicator_code = health_indicators.indicator_code
    cross join rules
    -- H4 not applicable (no deliveries) is not failing: no task
    where opening_day_indicators.is_passing = false
)

select * from final
