with

source as (
    select * from {{ source('crm', 'success_cases') }}
),

latest as (
    {{ keep_latest('source', 'case_id') }}
),

final as (
    select
        case_id,
        title,
        industry,
        product_model,
        objection_category,
        talk_track,
        published_date,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('published_date') }}
)

select * from final
