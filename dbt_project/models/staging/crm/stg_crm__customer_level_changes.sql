with

source as (
    select * from {{ source('crm', 'customer_level_changes') }}
),

latest as (
    {{ keep_latest('source', 'change_id') }}
),

final as (
    select
        change_id,
        customer_id,
        changed_at,
        old_level,
        new_level,
        reason as change_reason,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('changed_at') }}
)

select * from final
