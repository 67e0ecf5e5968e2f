with

source as (
    select * from {{ source('crm', 'customer_ownership') }}
),

latest as (
    {{ keep_latest('source', 'record_id') }}
),

final as (
    select
        record_id,
        customer_id,
        from_rep_id,
        to_rep_id,
        changed_at,
        reason as change_reason,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('changed_at') }}
)

select * from final
