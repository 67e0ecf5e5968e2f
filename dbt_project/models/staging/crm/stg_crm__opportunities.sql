with

source as (
    select * from {{ source('crm', 'opportunities') }}
),

latest as (
    {{ keep_latest('source', 'opportunity_id') }}
),

final as (
    select
        opportunity_id,
        opportunity_name,
        customer_id,
        owner_rep_id,
        stage as stage_code,
        amount_cny,
        product_model,
        lead_id,
        created_at,
        -- closed after the evaluation day: still open on it (its stage on the day comes from
        -- the stage history, int_opportunity_stages_sequenced)
        {{ as_known_on_evaluation_date('closed_at') }} as closed_at,
        case when {{ is_known_on_evaluation_date('closed_at') }} then close_reason end
            as close_reason,
        _source_file
    from latest
)

select * from final
