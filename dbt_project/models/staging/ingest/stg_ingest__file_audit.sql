with

source as (
    select * from {{ source('ingest', 'file_audit') }}
),

final as (
    select
        file_path,
        nullif(source, '') as source,  -- noqa: RF04
        nullif(table_name, '') as table_name,
        status as file_status,
        error_code as reason_code,
        error_message,
        file_format,
        encoding,
        file_hash,
        coalesce(rows_read, 0) as rows_read,
        coalesce(rows_loaded, 0) as rows_loaded,
        coalesce(rows_quarantined, 0) as rows_quarantined,
        coalesce(rows_duplicate, 0) as rows_duplicate,
        {{ json_string_list('unknown_columns') }} as unknown_columns,
        {{ json_list_length('unknown_columns') }} as unknown_column_count,
        {{ json_string_list('warnings') }} as warnings,
        {{ json_list_length('warnings') }} as warning_count,
        coalesce(landed_at, ingested_at) as landed_at,
        ingested_at
    from source
)

select * from final
