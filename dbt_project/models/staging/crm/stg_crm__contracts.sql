with

source as (
    select * from {{ source('crm', 'contracts') }}
),

latest as (
    {{ keep_latest('source', 'contract_id') }}
),

final as (
    select
        contract_id,
        opportunity_id,
        customer_id,
        rep_id,
        amount_cny,
        submitted_at,
        approved_at,
        approval_status,
        _source_file
    from latest
)

select * from final
