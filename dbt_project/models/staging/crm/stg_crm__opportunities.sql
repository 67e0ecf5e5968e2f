with

source as (
    select * from {{ source('crm', 'opportunities') }}
),

latest as (
    {{ keep_latest('source', 'opportunity_id') }}
),

final as (
    select
        opportunity_id,
        opportunity_name,
        customer_id,
        owner_rep_id,
        stage as stage_code,
        amount_cny,
        product_model,
        lead_id,
        created_at,
        closed_at,
        close_reason,
        _source_file
    from latest
)

select * from final
