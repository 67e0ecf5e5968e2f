{#- Customer health (客户健康度), one row per active customer per day from the first evaluated
    day to the evaluation day, each as of the end of its day. Thresholds, windows and weights:
    the rule_parameters / health_indicators / decision_roles / meeting_types seeds (see
    _fct_customer_health_daily.yml).
    Incremental (a large history): a run recomputes whole days from `incremental_lookback_days`
    before the latest day built to the evaluation day (delete+insert by day), and deletes the days
    after the evaluation day (a run evaluating an earlier day than the last build); a full
    rebuild recomputes every day and gives the same rows when nothing older than the window
    changed. A day's row reads only facts dated on or before that day, so it does not depend on
    the evaluation day. -#}
{{ config(
    materialized='incremental',
    unique_key='health_date',
    incremental_strategy=lm_incremental_strategy(),
    partition_by=lm_incremental_partition_by('health_date'),
    on_schema_change='fail',
    post_hook="{{ delete_after_evaluation_date('health_date') }}"
) }}

with

calendar as (
    select * from {{ ref('int_customer_health_calendar') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

meetings as (
    select * from {{ ref('stg_meetings__meetings') }}
),

documents as (
    select * from {{ ref('stg_docs__documents_sent') }}
),

interactions as (
    select * from {{ ref('stg_social__interactions') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

decision_roles as (
    select * from {{ ref('decision_roles') }}
),

meeting_types as (
    select * from {{ ref('meeting_types') }}
),

deliveries as (
    select * from {{ ref('stg_erp__deliveries') }}
),

health_indicators as (
    select * from {{ ref('health_indicators') }}
),

rules as (
    {{ rule_parameter_row([
        'h1_min_meeting_minutes', 'h1_lookback_days', 'h2_min_proposals', 'h2_window_days',
        'h3_min_interactions', 'h3_window_days', 'h4_min_on_time_rate',
        'red_min_failing', 'yellow_min_failing'
    ]) }}
),

weights as (
    select
        max(case when indicator_code = 'H1' then weight end) as h1_weight,
        max(case when indicator_code = 'H2' then weight end) as h2_weight,
        max(case when indicator_code = 'H3' then weight end) as h3_weight,
        max(case when indicator_code = 'H4' then weight end) as h4_weight
    from health_indicators
),

-- every day from the first evaluated day to the evaluation day
bounds as (
    select
        calendar.first_evaluated_date,
        evaluation.evaluation_date
    from calendar
    cross join evaluation
),

all_days as (
    {{ lm_date_spine('bounds', 'bounds.first_evaluated_date', 'bounds.evaluation_date') }}
),

recompute_from as (
    select {{ recompute_from_date('health_date') }} as from_date
),

days as (
    select all_days.date_day
    from all_days
    cross join recompute_from
    where recompute_from.from_date is null or all_days.date_day >= recompute_from.from_date
),

-- active on D: not a prospect, created on or before D, not yet churned (churn day excluded)
customer_days as (
    select
        customers.customer_id,
        days.date_day as health_date,
        {{ add_days('days.date_day', '1') }} as next_date,
        {{ add_days('days.date_day', '1 - rules.h1_lookback_days') }} as h1_window_start,
        {{ add_days('days.date_day', '1 - rules.h2_window_days') }} as h2_window_start,
        {{ add_days('days.date_day', '1 - rules.h3_window_days') }} as h3_window_start
    from customers
    inner join days
        on
            customers.created_date <= days.date_day
            and (customers.churned_date is null or customers.churned_date > days.date_day)
    cross join rules
    where customers.customer_status <> 'prospect'
),

-- H1 技术交流: the most recent technical exchange that started in the lookback window
technical_exchanges as (
    select
        meeting_id,
        customer_id,
        start_at,
        cast(start_at as date) as meeting_date,
        {{ minutes_between('start_at', 'end_at') }} as meeting_minutes
    from meetings
    where
        customer_id is not null
        and meeting_type in (
            select meeting_types.meeting_type_code from meeting_types
            where meeting_types.is_technical_exchange
        )
),

h1_ranked as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        technical_exchanges.meeting_id,
        technical_exchanges.meeting_minutes,
        row_number() over (
            partition by customer_days.customer_id, customer_days.health_date
            order by technical_exchanges.start_at desc, technical_exchanges.meeting_id desc
        ) as recency_rank
    from customer_days
    inner join technical_exchanges
        on
            customer_days.customer_id = technical_exchanges.customer_id
            and technical_exchanges.meeting_date between customer_days.h1_window_start
            and customer_days.health_date
),

h1_latest as (
    select
        customer_id,
        health_date,
        meeting_id,
        meeting_minutes
    from h1_ranked
    where recency_rank = 1
),

-- H2 定制化方案: customised proposals sent in the window
proposals as (
    select
        document_id,
        customer_id,
        cast(sent_at as date) as sent_date
    from documents
    where document_type = 'customised_proposal' and customer_id is not null
),

h2_counts as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        count(*) as proposal_count,
        {{ lm_listagg('proposals.document_id', "','", 'order by proposals.document_id') }}
            as proposal_ids
    from customer_days
    inner join proposals
        on
            customer_days.customer_id = proposals.customer_id
            and proposals.sent_date between customer_days.h2_window_start
            and customer_days.health_date
    group by customer_days.customer_id, customer_days.health_date
),

-- H3 关键决策人互动: interactions of the customer's decision-maker contacts in the window
decision_maker_interactions as (
    select
        interactions.interaction_id,
        contacts.customer_id,
        cast(interactions.occurred_at as date) as interaction_date
    from interactions
    inner join contacts
        on interactions.contact_id = contacts.contact_id
    inner join decision_roles
        on contacts.role_code = decision_roles.role_code
    where decision_roles.is_decision_maker
),

h3_counts as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        count(*) as interaction_count
    from customer_days
    inner join decision_maker_interactions
        on
            customer_days.customer_id = decision_maker_interactions.customer_id
            and decision_maker_interactions.interaction_date
            between customer_days.h3_window_start and customer_days.health_date
    group by customer_days.customer_id, customer_days.health_date
),

-- H4 交付准时率: every delivery delivered on or before D; on time = actual <= promised
delivered as (
    select
        customer_id,
        actual_date,
        case when actual_date <= promised_date then 1 else 0 end as is_on_time
    from deliveries
    where actual_date is not null
),

h4_counts as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        count(*) as delivered_count,
        sum(delivered.is_on_time) as on_time_count
    from customer_days
    inner join delivered
        on
            customer_days.customer_id = delivered.customer_id
            and customer_days.health_date >= delivered.actual_date
    group by customer_days.customer_id, customer_days.health_date
),

-- the owner at the end of D (a handover during D gives the day to the new owner)
owners as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        ownership_periods.rep_id as owner_rep_id
    from customer_days
    inner join ownership_periods
        on
            customer_days.customer_id = ownership_periods.customer_id
            and customer_days.next_date > ownership_periods.valid_from
            and (
                ownership_periods.valid_to is null
                or customer_days.next_date <= ownership_periods.valid_to
            )
),

evaluated as (
    select
        customer_days.customer_id,
        customer_days.health_date,
        owners.owner_rep_id,
        h1_latest.meeting_id as h1_meeting_id,
        cast(h1_latest.meeting_minutes as decimal(10, 2)) as h1_meeting_minutes,
        h2_counts.proposal_ids as h2_proposal_ids,
        rules.red_min_failing,
        rules.yellow_min_failing,
        coalesce(h1_latest.meeting_minutes >= rules.h1_min_meeting_minutes, false)
            as h1_is_passing,
        coalesce(h2_counts.proposal_count, 0) as h2_proposal_count,
        coalesce(h2_counts.proposal_count, 0) >= rules.h2_min_proposals as h2_is_passing,
        coalesce(h3_counts.interaction_count, 0) as h3_interaction_count,
        coalesce(h3_counts.interaction_count, 0) >= rules.h3_min_interactions as h3_is_passing,
        coalesce(h4_counts.delivered_count, 0) as h4_delivered_count,
        coalesce(h4_counts.on_time_count, 0) as h4_on_time_count,
        h4_counts.delivered_count is not null as h4_is_applicable,
        case
            when h4_counts.delivered_count is not null
                then
                    cast(h4_counts.on_time_count as decimal(18, 6))
                    > cast(rules.h4_min_on_time_rate as decimal(18, 6))
                    * h4_counts.delivered_count
        end as h4_is_passing
    from customer_days
    cross join rules
    left join owners using (customer_id, health_date)
    left join h1_latest using (customer_id, health_date)
    left join h2_counts using (customer_id, health_date)
    left join h3_counts using (customer_id, health_date)
    left join h4_counts using (customer_id, health_date)
),

scored as (
    select
        evaluated.*,
        case when evaluated.h4_is_applicable then 4 else 3 end as evaluated_count,
        case when evaluated.h1_is_passing then 0 else 1 end
        + case when evaluated.h2_is_passing then 0 else 1 end
        + case when evaluated.h3_is_passing then 0 else 1 end
        + case when evaluated.h4_is_passing = false then 1 else 0 end as failing_count,
        (
            case when evaluated.h1_is_passing then weights.h1_weight else 0 end
            + case when evaluated.h2_is_passing then weights.h2_weight else 0 end
            + case when evaluated.h3_is_passing then weights.h3_weight else 0 end
            + case when evaluated.h4_is_passing then weights.h4_weight else 0 end
        ) * 100.0 / (
            weights.h1_weight + weights.h2_weight + weights.h3_weight
            + case when evaluated.h4_is_applicable then weights.h4_weight else 0 end
        ) as raw_health_score,
        concat(
            concat(
                case when evaluated.h1_is_passing then '' else 'H1,' end,
                case when evaluated.h2_is_passing then '' else 'H2,' end
            ),
            concat(
                case when evaluated.h3_is_passing then '' else 'H3,' end,
                case when evaluated.h4_is_passing = false then 'H4,' else '' end
            )
        ) as failing_list
    from evaluated
    cross join weights
),

final as (
    select
        customer_id,
        health_date,
        owner_rep_id,
        h1_meeting_id,
        h1_meeting_minutes,
        h1_is_passing,
        h2_proposal_count,
        h2_proposal_ids,
        h2_is_passing,
        h3_interaction_count,
        h3_is_passing,
        h4_delivered_count,
        cast(h4_on_time_count as bigint) as h4_on_time_count,
        h4_is_applicable,
        h4_is_passing,
        cast(evaluated_count as bigint) as evaluated_count,
        cast(failing_count as bigint) as failing_count,
        cast(raw_health_score as decimal(5, 1)) as health_score,
        case
            when h4_is_applicable
                then cast(
                    {{ lm_ratio('h4_on_time_count', 'h4_delivered_count') }} as decimal(9, 6)
                )
        end as h4_on_time_rate,
        case
            when failing_count = 0 then ''
            else substring(failing_list, 1, length(failing_list) - 1)
        end as failing_indicators,
        case
            when failing_count >= red_min_failing then 'red'
            when failing_count >= yellow_min_failing then 'yellow'
            else 'green'
        end as health_status
    from scored
)

select * from final
