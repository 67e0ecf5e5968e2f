{#- Red alerts (红色预警), one row per alert: opens on the first red day after a day that was not
    red (or on the customer's first evaluated day), closes on the first day that is not red.
    An alert still red on the customer's last active day before churn closes on the churn date
    (close_reason churned); one still red on the evaluation day stays open. The owner at the opening
    stays the fact of its day; the current owner is whoever holds the customer at the end of the
    evaluation day (open alerts: a leaver's pass to the squad lead, or 待分配) or of the last red day
    (closed alerts). -#}
with

health as (
    select * from {{ ref('fct_customer_health_daily') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

flagged as (
    select
        customer_id,
        health_date,
        owner_rep_id,
        failing_count,
        failing_indicators,
        health_status = 'red' as is_red,
        lag(health_status) over (partition by customer_id order by health_date) as previous_status
    from health
),

numbered as (
    select
        flagged.*,
        cast(sum(
            case
                when flagged.is_red and coalesce(flagged.previous_status, 'none') <> 'red' then 1
                else 0
            end
        ) over (
            partition by flagged.customer_id
            order by flagged.health_date
            rows between unbounded preceding and current row
        ) as bigint) as alert_number
    from flagged
),

red_runs as (
    select
        customer_id,
        alert_number,
        min(health_date) as opened_date,
        max(health_date) as last_red_date,
        count(*) as red_days,
        max(failing_count) as max_failing_count
    from numbered
    where is_red
    group by customer_id, alert_number
),

customer_last_days as (
    select
        customer_id,
        max(health_date) as last_evaluated_date
    from health
    group by customer_id
),

opening_days as (
    select
        customer_id,
        health_date,
        owner_rep_id,
        failing_count,
        failing_indicators
    from numbered
),

closed as (
    select
        red_runs.customer_id,
        red_runs.alert_number,
        case
            when red_runs.last_red_date < customer_last_days.last_evaluated_date
                then {{ add_days('red_runs.last_red_date', '1') }}
            when customers.churned_date <= evaluation.evaluation_date
                then customers.churned_date
        end as closed_date,
        case
            when red_runs.last_red_date < customer_last_days.last_evaluated_date
                then 'recovered'
            when customers.churned_date <= evaluation.evaluation_date
                then 'churned'
        end as close_reason
    from red_runs
    inner join customer_last_days
        on red_runs.customer_id = customer_last_days.customer_id
    inner join customers
        on red_runs.customer_id = customers.customer_id
    cross join evaluation
),

-- who holds each alert now: the customer's owner at the end of the evaluation day while it is open,
-- else at the end of its last red day
holding_days as (
    select
        red_runs.customer_id,
        red_runs.alert_number,
        case
            when closed.closed_date is null then evaluation.evaluation_date
            else red_runs.last_red_date
        end as holding_date
    from red_runs
    inner join closed using (customer_id, alert_number)
    cross join evaluation
),

current_owners as (
    select
        holding_days.customer_id,
        holding_days.alert_number,
        ownership_periods.rep_id,
        ownership_periods.assignment_status
    from holding_days
    inner join ownership_periods
        on
            holding_days.customer_id = ownership_periods.customer_id
            and {{ holds_at_end_of_day('ownership_periods', 'holding_days.holding_date') }}
),

final as (
    select
        red_runs.customer_id,
        red_runs.alert_number,
        red_runs.opened_date,
        opening_days.owner_rep_id as owner_rep_id_at_open,
        opening_days.failing_count as failing_count_at_open,
        opening_days.failing_indicators as failing_indicators_at_open,
        red_runs.last_red_date,
        red_runs.red_days,
        red_runs.max_failing_count,
        closed.closed_date,
        closed.close_reason,
        current_owners.rep_id as current_owner_rep_id,
        concat(
            concat(red_runs.customer_id, '-'), cast(red_runs.opened_date as {{ lm_type_string() }})
        )
            as alert_id,
        coalesce(current_owners.assignment_status, 'unassigned') as assignment_status,
        closed.closed_date is null as is_open,
        {{ customer_name('red_runs.customer_id') }} as customer_name,
        {{ indicator_names('opening_days.failing_indicators') }} as failing_indicator_names_at_open,
        coalesce(
            {{ rep_name('current_owners.rep_id') }},
            {{ code_label(
                'assignment_status', "coalesce(current_owners.assignment_status, 'unassigned')"
            ) }}
        ) as current_owner_rep_name,
        {{ code_label(
            'assignment_status', "coalesce(current_owners.assignment_status, 'unassigned')"
        ) }} as assignment_status_name,
        {{ code_label(
            'alert_status', "case when closed.closed_date is null then 'open' else 'closed' end"
        ) }} as alert_status_name,
        {{ code_label('close_reason', 'closed.close_reason', empty='—') }} as close_reason_name
    from red_runs
    inner join closed using (customer_id, alert_number)
    inner join opening_days
        on
            red_runs.customer_id = opening_days.customer_id
            and red_runs.opened_date = opening_days.health_date
    left join current_owners using (customer_id, alert_number)
)

select * from final
