with

source as (
    select * from {{ source('ingest', 'quarantine') }}
),

final as (
    select
        file_path,
        source,
        table_name,
        row_number as source_row_number,
        column_name,
        {{ mask_personal_text('column_name', 'raw_value') }} as raw_value_masked,
        reason_code,
        reason as reason_text,
        file_hash,
        ingested_at
    from source
)

select * from final
