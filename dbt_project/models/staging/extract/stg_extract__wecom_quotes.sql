with

source as (
    select * from {{ source('extract', 'wecom_quotes') }}
),

final as (
    select
        message_id,
        amount_cny,
        amount_text,
        product_model,
        delivery_days,
        delivery_text,
        is_quote,
        extractor_version,
        extracted_at
    from source
)

select * from final
