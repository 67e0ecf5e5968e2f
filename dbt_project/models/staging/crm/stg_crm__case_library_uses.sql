with

source as (
    select * from {{ source('crm', 'case_library_uses') }}
),

latest as (
    {{ keep_latest('source', 'use_id') }}
),

final as (
    select
        use_id,
        case_id,
        rep_id,
        opportunity_id,
        customer_id,
        used_at,
        action as use_action,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('used_at') }}
)

select * from final
