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
)

select * from final
