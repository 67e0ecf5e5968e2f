with

source as (
    select * from {{ source('erp', 'orders') }}
),

latest as (
    {{ keep_latest('source', 'order_id') }}
),

final as (
    select
        order_id,
        order_date,
        customer_id,
        customer_name,
        contract_id,
        product_model,
        product_name,
        quantity,
        unit_price_cny,
        amount_cny,
        rep_id,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('order_date') }}
)

select * from final
