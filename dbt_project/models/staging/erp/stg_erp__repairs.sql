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
        completed_at,
        fault_description,
        resolution,
        engineer_rep_id,
        _source_file
    from latest
)

select * from final
