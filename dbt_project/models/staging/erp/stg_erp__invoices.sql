with

source as (
    select * from {{ source('erp', 'invoices') }}
),

latest as (
    {{ keep_latest('source', 'invoice_id') }}
),

final as (
    select
        invoice_id,
        invoice_date,
        customer_id,
        order_id,
        amount_cny,
        due_date,
        invoice_type,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('invoice_date') }}
)

select * from final
