with

source as (
    select * from {{ source('wecom', 'messages') }}
),

latest as (
    {{ keep_latest('source', 'msgid') }}
),

final as (
    select
        msgid as message_id,
        action,
        from_id,
        tolist,
        roomid,
        msgtime as sent_at,
        msgtype as message_type,
        content,
        call_duration_seconds,
        _source_file,
        _ingested_at
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('msgtime') }}
)

select * from final
