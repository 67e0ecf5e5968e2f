with

source as (
    select * from {{ source('daily_reports', 'daily_reports') }}
),

latest as (
    {{ keep_latest('source', 'report_id, line_no') }}
),

final as (
    select
        report_id,
        line_no,
        report_date,
        rep_id,
        rep_name,
        squad_name,
        customer_id,
        customer_name,
        contact_method,
        note,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('report_date') }}
)

select * from final
