with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

squad_lead_periods as (
    select * from {{ ref('int_squad_lead_periods') }}
),

routing as (
    select * from {{ ref('lead_routing') }}
),

communications as (
    select * from {{ ref('int_communications_unioned') }}
),

leads_placed as (
    select
        leads.*,
        cast(leads.created_at as date) as created_date,
        coalesce(leads.region_id, customers.region_id) as lead_region_id,
        coalesce(leads.industry, customers.industry) as lead_industry
    from leads
    left join customers
        on leads.customer_id = customers.customer_id
),

-- the customer's owner when the lead came in (a leaver's customer: the squad lead holding it),
-- if active on the lead's day
owner_at_creation as (
    select
        leads_placed.lead_id,
        ownership_periods.rep_id as owner_rep_id,
        ownership_periods.assignment_status as owner_assignment_status
    from leads_placed
    inner join ownership_periods
        on
            leads_placed.customer_id = ownership_periods.customer_id
            and {{ holds_at('ownership_periods', 'leads_placed.created_at') }}
    inner join reps
        on ownership_periods.rep_id = reps.rep_id
    where {{ is_active_on('reps.hired_date', 'reps.left_date', 'leads_placed.created_date') }}
),

-- every routing row matching the lead: exact region and industry first, then the region's
-- default (industry *), then the company's for the industry (region *), then the company's
-- (* and *); each person flagged active or not on the lead's day
routing_candidates as (
    select
        leads_placed.lead_id,
        routing.rep_id,
        routing.engineer_rep_id,
        routing.legal_rep_id,
        follow_up_reps.squad_id as rep_squad_id,
        case when routing.region_id = '*' then 1 else 0 end as region_rank,
        case when routing.industry = '*' then 1 else 0 end as industry_rank,
        {{ is_active_on(
            'follow_up_reps.hired_date', 'follow_up_reps.left_date', 'leads_placed.created_date'
        ) }} and follow_up_reps.rep_id is not null as is_rep_active,
        {{ is_active_on(
            'engineers.hired_date', 'engineers.left_date', 'leads_placed.created_date'
        ) }} and engineers.rep_id is not null as is_engineer_active,
        {{ is_active_on(
            'legal_reps.hired_date', 'legal_reps.left_date', 'leads_placed.created_date'
        ) }} and legal_reps.rep_id is not null as is_legal_active
    from leads_placed
    inner join routing
        on
            (leads_placed.lead_region_id = routing.region_id or routing.region_id = '*')
            and (leads_placed.lead_industry = routing.industry or routing.industry = '*')
    left join reps as follow_up_reps
        on routing.rep_id = follow_up_reps.rep_id
    left join reps as engineers
        on routing.engineer_rep_id = engineers.rep_id
    left join reps as legal_reps
        on routing.legal_rep_id = legal_reps.rep_id
),

-- per role, the most specific row whose person is active on the lead's day
routing_ranked as (
    select
        routing_candidates.*,
        row_number() over (
            partition by routing_candidates.lead_id
            order by routing_candidates.region_rank, routing_candidates.industry_rank
        ) as specificity_rank,
        row_number() over (
            partition by routing_candidates.lead_id
            order by
                case when routing_candidates.is_rep_active then 0 else 1 end,
                routing_candidates.region_rank,
                routing_candidates.industry_rank
        ) as rep_rank,
        row_number() over (
            partition by routing_candidates.lead_id
            order by
                case when routing_candidates.is_engineer_active then 0 else 1 end,
                routing_candidates.region_rank,
                routing_candidates.industry_rank
        ) as engineer_rank,
        row_number() over (
            partition by routing_candidates.lead_id
            order by
                case when routing_candidates.is_legal_active then 0 else 1 end,
                routing_candidates.region_rank,
                routing_candidates.industry_rank
        ) as legal_rank
    from routing_candidates
),

routed as (
    select
        lead_id,
        max(case when rep_rank = 1 and is_rep_active then rep_id end) as routed_rep_id,
        max(case when engineer_rank = 1 and is_engineer_active then engineer_rep_id end)
            as engineer_rep_id,
        max(case when legal_rank = 1 and is_legal_active then legal_rep_id end) as legal_rep_id,
        max(case when specificity_rank = 1 then rep_squad_id end) as routed_squad_id
    from routing_ranked
    group by lead_id
),

-- no routed rep active: the acting lead of a squad of the lead's region, the routed rep's own
-- squad first, then by squad id
squad_lead_fallback as (
    select
        leads_placed.lead_id,
        squad_lead_periods.squad_lead_rep_id,
        row_number() over (
            partition by leads_placed.lead_id
            order by
                case when squads.squad_id = routed.routed_squad_id then 0 else 1 end,
                squads.squad_id
        ) as squad_rank
    from leads_placed
    inner join squads
        on leads_placed.lead_region_id = squads.region_id
    inner join squad_lead_periods
        on
            squads.squad_id = squad_lead_periods.squad_id
            and {{ holds_at('squad_lead_periods', 'leads_placed.created_at') }}
    left join routed
        on leads_placed.lead_id = routed.lead_id
    where squad_lead_periods.squad_lead_rep_id is not null
),

first_touches as (
    select
        leads.lead_id,
        min(communications.communicated_at) as first_touch_at
    from leads
    inner join communications
        on
            leads.customer_id = communications.customer_id
            and leads.created_at < communications.communicated_at
            and communications.is_rep_initiated
            and communications.channel in ('sales_log', 'wecom_text', 'wecom_file', 'wecom_call')
    group by leads.lead_id
),

final as (
    select
        leads_placed.lead_id,
        leads_placed.lead_source,
        leads_placed.created_at,
        leads_placed.customer_id,
        leads_placed.contact_id,
        leads_placed.budget_range,
        leads_placed.urgency,
        leads_placed.channel_partner,
        leads_placed.product_interest,
        leads_placed.qr_code_id,
        leads_placed.lead_status,
        routed.engineer_rep_id,
        routed.legal_rep_id,
        first_touches.first_touch_at,
        leads_placed.lead_region_id as region_id,
        leads_placed.lead_industry as industry,
        coalesce(
            owner_at_creation.owner_rep_id,
            routed.routed_rep_id,
            squad_lead_fallback.squad_lead_rep_id
        ) as follow_up_rep_id,
        case
            when owner_at_creation.owner_rep_id is not null then 'customer_owner'
            when routed.routed_rep_id is not null then 'routing'
            when squad_lead_fallback.squad_lead_rep_id is not null then 'squad_lead'
            else 'unassigned'
        end as follow_up_assigned_by,
        case
            when owner_at_creation.owner_rep_id is not null
                then owner_at_creation.owner_assignment_status
            when routed.routed_rep_id is not null then 'assigned'
            when squad_lead_fallback.squad_lead_rep_id is not null then 'squad_lead'
            else 'unassigned'
        end as assignment_status,
        {{ minutes_between('leads_placed.created_at', 'first_touches.first_touch_at') }}
            as response_minutes
    from leads_placed
    left join owner_at_creation
        on leads_placed.lead_id = owner_at_creation.lead_id
    left join routed
        on leads_placed.lead_id = routed.lead_id
    left join squad_lead_fallback
        on leads_placed.lead_id = squad_lead_fallback.lead_id and squad_lead_fallback.squad_rank = 1
    left join first_touches
        on leads_placed.lead_id = first_touches.lead_id
)

select * from final
