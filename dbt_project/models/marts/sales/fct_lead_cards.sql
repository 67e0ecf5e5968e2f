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

settings as (
    select {{ rule_parameter('lead_response_target_minutes') }} as response_target_minutes
),

converted as (
    select
        lead_id,
        min(opportunity_id) as opportunity_id
    from opportunities
    where lead_id is not null
    group by lead_id
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
        customers.annual_purchase_cny,
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
        leads.engineer_rep_id,
        leads.legal_rep_id,
        leads.first_touch_at,
        leads.response_minutes,
        converted.opportunity_id as converted_opportunity_id,
        leads.first_touch_at is not null as is_touched,
        coalesce(leads.response_minutes <= settings.response_target_minutes, false)
            as is_within_target,
        converted.opportunity_id is not null as is_converted
    from leads
    cross join settings
    left join customers
        on leads.customer_id = customers.customer_id
    left join converted
        on leads.lead_id = converted.lead_id
)

select * from final
