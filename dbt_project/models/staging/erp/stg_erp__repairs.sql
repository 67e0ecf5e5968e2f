with

source as (
    select * from {{ source('erp', 'repairs') }}
),

latest as (
    {{ keep_latest('source', 'repair_id') }}
),

final as (
    select
        repair_id,
        customer_id,
        product_model,
        serial_no,
        reported_at,
        -- completed after the evaluation day: still open on it
        {{ as_known_on_evaluation_date('completed_at') }} as completed_at,
        fault_description,
        resolution,
        engineer_rep_id,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('reported_at') }}
)

select * from final
