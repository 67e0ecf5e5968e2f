with

source as (
    select * from {{ source('crm', 'competitor_quotes') }}
),

latest as (
    {{ keep_latest('source', 'log_id, line_no') }}
),

final as (
    select
        log_id,
        line_no,
        competitor_brand,
        competitor_model,
        competitor_price_cny,
        _source_file,
        _ingested_at
    from latest
)

select * from final
