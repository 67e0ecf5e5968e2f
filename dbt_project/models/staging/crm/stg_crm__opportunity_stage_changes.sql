with

source as (
    select * from {{ source('crm', 'opportunity_stage_history') }}
),

latest as (
    {{ keep_latest('source', 'history_id') }}
),

final as (
    select
        history_id,
        opportunity_id,
        stage as stage_code,
        entered_at,
        changed_by_rep_id,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('entered_at') }}
)

select * from final
