with

quarantined as (
    select * from {{ ref('stg_ingest__quarantine') }}
),

schedules as (
    select * from {{ ref('source_schedules') }}
),

final as (
    select
        concat(
            quarantined.file_path, '#',
            cast(quarantined.source_row_number as {{ lm_type_string() }}), '#',
            coalesce(quarantined.column_name, ''), '#', quarantined.reason_code
        ) as quarantine_row_id,
        quarantined.file_path,
        quarantined.source,
        quarantined.table_name,
        coalesce(schedules.source_label, quarantined.source) as source_label,
        coalesce(schedules.table_label, quarantined.table_name) as table_label,
        quarantined.source_row_number,
        quarantined.column_name,
        case
            when quarantined.column_name is null then '（整行）'
            else concat(quarantined.column_name, ' 列')
        end as column_label,
        coalesce(quarantined.raw_value_masked, '（空）') as raw_value_masked,
        quarantined.reason_code,
        {{ ingest_label('reason', 'quarantined.reason_code') }} as reason_label,
        quarantined.reason_text,
        quarantined.ingested_at,
        coalesce(left(cast(quarantined.ingested_at as {{ lm_type_string() }}), 16), '—')
            as ingested_at_label
    from quarantined
    left join schedules using (source, table_name)
)

select * from final
