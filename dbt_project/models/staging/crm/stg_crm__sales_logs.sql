with

source as (
    select * from {{ source('crm', 'sales_logs') }}
),

latest as (
    {{ keep_latest('source', 'log_id') }}
),

final as (
    select
        log_id,
        customer_id,
        contact_id,
        rep_id,
        log_at,
        template as template_code,
        opportunity_id,
        summary,
        customer_needs,
        products_shown,
        attendees,
        recording_summary,
        notes,
        _source_file,
        _ingested_at
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('log_at') }}
)

select * from final
