with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

ownership_changes as (
    select * from {{ ref('stg_crm__ownership_changes') }}
),

routing as (
    select * from {{ ref('lead_routing') }}
),

communications as (
    select * from {{ ref('int_communications_unioned') }}
),

owner_at_creation as (
    select
        leads.lead_id,
        ownership_changes.to_rep_id as owner_rep_id,
        row_number() over (
            partition by leads.lead_id
            order by ownership_changes.changed_at desc, ownership_changes.record_id desc
        ) as change_rank
    from leads
    inner join ownership_changes
        on
            leads.customer_id = ownership_changes.customer_id
            and leads.created_at >= ownership_changes.changed_at
),

-- the most specific routing row: exact region and industry, then the region's default
-- (industry *), then the company's for the industry (region *), then the company's (* and *)
routing_candidates as (
    select
        leads.lead_id,
        routing.rep_id,
        routing.engineer_rep_id,
        routing.legal_rep_id,
        row_number() over (
            partition by leads.lead_id
            order by
                case when routing.region_id = '*' then 1 else 0 end,
                case when routing.industry = '*' then 1 else 0 end
        ) as specificity_rank
    from leads
    left join customers
        on leads.customer_id = customers.customer_id
    inner join routing
        on
            (
                routing.region_id = coalesce(leads.region_id, customers.region_id)
                or routing.region_id = '*'
            )
            and (
                routing.industry = coalesce(leads.industry, customers.industry)
                or routing.industry = '*'
            )
),

routed as (
    select
        lead_id,
        rep_id as routed_rep_id,
        engineer_rep_id,
        legal_rep_id
    from routing_candidates
    where specificity_rank = 1
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
        leads.lead_id,
        leads.lead_source,
        leads.created_at,
        leads.customer_id,
        leads.contact_id,
        leads.budget_range,
        leads.urgency,
        leads.channel_partner,
        leads.product_interest,
        leads.qr_code_id,
        leads.lead_status,
        routed.engineer_rep_id,
        routed.legal_rep_id,
        first_touches.first_touch_at,
        coalesce(leads.region_id, customers.region_id) as region_id,
        coalesce(leads.industry, customers.industry) as industry,
        coalesce(owner_at_creation.owner_rep_id, routed.routed_rep_id) as follow_up_rep_id,
        case
            when owner_at_creation.owner_rep_id is not null then 'customer_owner'
            when routed.routed_rep_id is not null then 'routing'
        end as follow_up_assigned_by,
        {{ lm_datediff('leads.created_at', 'first_touches.first_touch_at', 'second') }} / 60.0
            as response_minutes
    from leads
    left join customers
        on leads.customer_id = customers.customer_id
    left join owner_at_creation
        on
            leads.lead_id = owner_at_creation.lead_id
            and owner_at_creation.change_rank = 1
    left join routed
        on leads.lead_id = routed.lead_id
    left join first_touches
        on leads.lead_id = first_touches.lead_id
)

select * from final
