with

files as (
    select * from {{ ref('stg_ingest__file_audit') }}
),

schedules as (
    select * from {{ ref('source_schedules') }}
),

labelled as (
    select
        files.*,
        coalesce(schedules.source_label, files.source, '（未匹配）') as source_label,
        coalesce(schedules.table_label, files.table_name, '（不属于任何接入表）') as table_label,
        (
            files.file_status = 'rejected'
            or files.rows_quarantined > 0
            or files.warning_count > 0
        ) as needs_attention
    from files
    left join schedules using (source, table_name)
),

final as (
    select
        file_path,
        source,
        table_name,
        source_label,
        table_label,
        file_status,
        {{ ingest_label('file_status', 'file_status') }} as file_status_label,
        reason_code,
        coalesce({{ ingest_label('reason', 'reason_code') }}, '—') as reason_label,
        coalesce(error_message, '—') as error_message,
        landed_at,
        coalesce(left(cast(landed_at as {{ lm_type_string() }}), 16), '—') as landed_at_label,
        ingested_at,
        coalesce(left(cast(ingested_at as {{ lm_type_string() }}), 16), '—') as ingested_at_label,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicate,
        unknown_column_count,
        coalesce(unknown_columns, '无') as unknown_columns,
        warning_count,
        case
            when warning_count > 0 and unknown_column_count > 0
                then {{ ingest_label('warning', "'optional_column_renamed'") }}
            when warning_count > 0 then warnings
            else '无'
        end as warning_label,
        coalesce(warnings, '无') as warning_details,
        needs_attention,
        {{ code_label('yes_no', 'needs_attention') }} as needs_attention_label,
        file_format,
        encoding,
        file_hash
    from labelled
)

select * from final
