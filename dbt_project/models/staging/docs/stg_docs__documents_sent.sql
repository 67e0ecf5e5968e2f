with

source as (
    select * from {{ source('docs', 'documents_sent') }}
),

latest as (
    {{ keep_latest('source', 'document_id') }}
),

final as (
    select
        document_id,
        document_type,
        title,
        file_name,
        customer_id,
        contact_id,
        sent_by_rep_id,
        sent_at,
        opportunity_id,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('sent_at') }}
)

select * from final
