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
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('payment_date') }}
)

select * from final
