with

source as (
    select * from {{ source('erp', 'payments') }}
),

latest as (
    {{ keep_latest('source', 'payment_id') }}
),

final as (
    select
        payment_id,
        payment_date,
        customer_id,
        invoice_id,
        amount_cny,
        method,
        _source_file
    from latest
)

select * from final
