with

source as (
    select * from {{ source('erp', 'deliveries') }}
),

latest as (
    {{ keep_latest('source', 'delivery_id') }}
),

final as (
    select
        delivery_id,
        order_id,
        customer_id,
        promised_date,
        actual_date,
        quantity,
        status as delivery_status,
        _source_file
    from latest
)

select * from final
