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
    -- a quote line is dated by its sales log: known when the log is (on or before the
    -- evaluation day)
    where log_id in (select known_logs.log_id from {{ ref('stg_crm__sales_logs') }} as known_logs)
)

select * from final
