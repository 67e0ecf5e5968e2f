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
        -- received after the evaluation day: still on its way on it
        {{ as_known_on_evaluation_date('actual_date') }} as actual_date,
        quantity,
        case
            when not {{ is_known_on_evaluation_date('actual_date') }} then 'in_transit'
            else status
        end as delivery_status,
        _source_file
    from latest
    -- a delivery exists from its order on: known when the order is (on or before the
    -- evaluation day)
    where
        order_id in (select known_orders.order_id from {{ ref('stg_erp__orders') }} as known_orders)
)

select * from final
