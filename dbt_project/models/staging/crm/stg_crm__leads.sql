with

source as (
    select * from {{ source('crm', 'leads') }}
),

latest as (
    {{ keep_latest('source', 'lead_id') }}
),

final as (
    select
        lead_id,
        source as lead_source,
        created_at,
        customer_id,
        contact_id,
        region_id,
        industry,
        budget_range,
        urgency,
        channel_partner,
        product_interest,
        qr_code_id,
        landing_page,
        status as lead_status,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('created_at') }}
)

select * from final
