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
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('start_at') }}
)

select * from final
