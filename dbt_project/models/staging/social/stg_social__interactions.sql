with

source as (
    select * from {{ source('social', 'interactions') }}
),

latest as (
    {{ keep_latest('source', 'interaction_id') }}
),

final as (
    select
        interaction_id,
        platform,
        contact_id,
        contact_name,
        company,
        interaction_type,
        occurred_at,
        post_title,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('occurred_at') }}
)

select * from final
