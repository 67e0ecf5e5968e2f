with

source as (
    select * from {{ source('meetings', 'meetings') }}
),

latest as (
    {{ keep_latest('source', 'meeting_id') }}
),

final as (
    select
        meeting_id,
        title,
        meeting_type,
        start_at,
        end_at,
        organizer_rep_id,
        customer_id,
        attendees,
        location,
        _source_file
    from latest
)

select * from final
