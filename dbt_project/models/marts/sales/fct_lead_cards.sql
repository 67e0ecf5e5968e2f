with

leads as (
    select * from {{ ref('int_leads_responded') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

lead_statuses as (
    select * from {{ ref('lead_statuses') }}
),

squad_lead_periods as (
    select * from {{ ref('int_squad_lead_periods') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

settings as (
    select {{ rule_parameter('lead_response_target_minutes') }} as response_target_minutes
),

-- a lead is converted by an opportunity created on or before the evaluation day
converted as (
    select
        opportunities.lead_id,
        min(opportunities.opportunity_id) as opportunity_id
    from opportunities
    cross join evaluation
    where
        opportunities.lead_id is not null
        and cast(opportunities.created_at as date) <= evaluation.evaluation_date
    group by opportunities.lead_id
),

-- who follows an open lead up now: its follow-up rep while active on the evaluation day; a leaver's
-- open lead passes to the acting lead of the rep's squad, or to nobody (待分配)
follow_up_states as (
    select
        leads.lead_id,
        leads.follow_up_rep_id,
        leads.assignment_status,
        squad_lead_periods.squad_lead_rep_id,
        coalesce(lead_statuses.is_open, true) as is_open,
        not coalesce(lead_statuses.is_open, true)
        or leads.follow_up_rep_id is null
        or {{ is_active_on('reps.hired_date', 'reps.left_date', 'evaluation.evaluation_date') }}
            as keeps_follow_up
    from leads
    cross join evaluation
    left join lead_statuses
        on leads.lead_status = lead_statuses.lead_status
    left join reps
        on leads.follow_up_rep_id = reps.rep_id
    left join squad_lead_periods
        on
            reps.squad_id = squad_lead_periods.squad_id
            and {{ holds_at_end_of_day('squad_lead_periods', 'evaluation.evaluation_date') }}
),

current_follow_ups as (
    select
        lead_id,
        is_open,
        case
            when keeps_follow_up then follow_up_rep_id else squad_lead_rep_id
        end as current_follow_up_rep_id,
        case
            when keeps_follow_up then assignment_status
            when squad_lead_rep_id is not null then 'squad_lead'
            else 'unassigned'
        end as current_assignment_status
    from follow_up_states
),

final as (
    select
        leads.lead_id,
        leads.lead_source,
        leads.created_at,
        cast(leads.created_at as date) as created_date,
        leads.customer_id,
        customers.customer_name,
        customers.customer_level,
        customers.customer_status,
        customers.city,
        cast(customers.annual_purchase_cny as decimal(38, 2)) as annual_purchase_cny,
        leads.contact_id,
        leads.region_id,
        leads.industry,
        leads.budget_range,
        leads.urgency,
        leads.channel_partner,
        leads.product_interest,
        leads.qr_code_id,
        leads.lead_status,
        leads.follow_up_rep_id,
        leads.follow_up_assigned_by,
        leads.assignment_status,
        current_follow_ups.is_open,
        current_follow_ups.current_follow_up_rep_id,
        current_follow_ups.current_assignment_status,
        leads.engineer_rep_id,
        leads.legal_rep_id,
        leads.first_touch_at,
        leads.response_minutes,
        converted.opportunity_id as converted_opportunity_id,
        leads.first_touch_at is not null as is_touched,
        coalesce(leads.response_minutes <= settings.response_target_minutes, false)
            as is_within_target,
        converted.opportunity_id is not null as is_converted,
        {{ code_label('lead_source', 'leads.lead_source') }} as lead_source_name,
        {{ code_label('urgency', 'leads.urgency', empty='未填写') }} as urgency_name,
        {{ code_label('budget_range', 'leads.budget_range', empty='未填写') }} as budget_range_name,
        coalesce(
            (
                select max(lead_statuses.status_name) from lead_statuses
                where lead_statuses.lead_status = leads.lead_status
            ),
            leads.lead_status
        ) as lead_status_name,
        coalesce(
            {{ rep_name('current_follow_ups.current_follow_up_rep_id') }},
            {{ code_label('assignment_status', 'current_follow_ups.current_assignment_status') }}
        ) as current_follow_up_rep_name,
        {{ code_label('assignment_status', 'current_follow_ups.current_assignment_status') }}
            as current_assignment_status_name,
        {{ minutes_text('leads.response_minutes', infinite_text='', empty='未触达') }}
            as response_text,
        {{ code_label(
            'yes_no',
            'coalesce(leads.response_minutes <= settings.response_target_minutes, false)'
        ) }} as is_within_target_name
    from leads
    cross join settings
    left join customers
        on leads.customer_id = customers.customer_id
    left join converted
        on leads.lead_id = converted.lead_id
    left join current_follow_ups
        on leads.lead_id = current_follow_ups.lead_id
)

select * from final
