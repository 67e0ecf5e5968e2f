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
        -- approved after the evaluation day: still pending on it
        {{ as_known_on_evaluation_date('approved_at') }} as approved_at,
        case
            when not {{ is_known_on_evaluation_date('approved_at') }} then 'pending'
            else approval_status
        end as approval_status,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('submitted_at') }}
)

select * from final
