with

source as (
    select * from {{ source('rep_sheets', 'visits') }}
),

latest as (
    {{ keep_latest('source', 'rep_id, seq_no') }}
),

final as (
    select
        rep_id,
        seq_no,
        rep_name,
        visit_date,
        customer_name,
        contact_name,
        visit_type,
        content,
        next_step,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('visit_date') }}
)

select * from final
