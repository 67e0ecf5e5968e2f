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
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('created_at') }}
)

select * from final
