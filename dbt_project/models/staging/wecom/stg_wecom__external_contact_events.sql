with

source as (
    select * from {{ source('wecom', 'external_contact_events') }}
),

latest as (
    {{ keep_latest('source', 'event_id') }}
),

final as (
    select
        event_id,
        change_type,
        rep_id,
        {{ pii_hash('external_userid') }} as wecom_contact_key,
        created_at as event_at,
        state,
        _source_file
    from latest
)

select * from final
