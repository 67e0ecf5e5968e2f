with

schedules as (
    select * from {{ ref('source_schedules') }}
),

files as (
    select * from {{ ref('stg_ingest__file_audit') }}
),

per_table as (
    select
        source,
        table_name,
        count(*) as file_count,
        sum(case when file_status = 'loaded' then 1 else 0 end) as loaded_file_count,
        sum(case when file_status = 'rejected' then 1 else 0 end) as rejected_file_count,
        sum(case when file_status = 'skipped' then 1 else 0 end) as skipped_file_count,
        sum(case when warning_count > 0 then 1 else 0 end) as warning_file_count,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        sum(rows_duplicate) as rows_duplicate,
        max(landed_at) as last_landed_at,
        max(case when file_status = 'loaded' then landed_at end) as last_loaded_file_landed_at,
        max(case when file_status = 'loaded' then ingested_at end) as last_loaded_at
    from files
    where source is not null and table_name is not null
    group by source, table_name
),

ranked_files as (
    select
        source,
        table_name,
        file_path,
        row_number() over (
            partition by source, table_name
            order by landed_at desc, file_path desc
        ) as recency_rank
    from files
    where source is not null and table_name is not null
),

last_files as (
    select
        source,
        table_name,
        file_path as last_file_path
    from ranked_files
    where recency_rank = 1
),

measured as (
    select
        schedules.source,
        schedules.table_name,
        schedules.source_label,
        schedules.table_label,
        schedules.max_hours_between_files,
        per_table.last_landed_at,
        per_table.last_loaded_file_landed_at,
        per_table.last_loaded_at,
        last_files.last_file_path,
        {{ freshness_checked_at() }} as checked_at,
        coalesce(per_table.file_count, 0) as file_count,
        coalesce(cast(per_table.loaded_file_count as bigint), 0) as loaded_file_count,
        coalesce(cast(per_table.rejected_file_count as bigint), 0) as rejected_file_count,
        coalesce(cast(per_table.skipped_file_count as bigint), 0) as skipped_file_count,
        coalesce(cast(per_table.warning_file_count as bigint), 0) as warning_file_count,
        coalesce(cast(per_table.rows_read as bigint), 0) as rows_read,
        coalesce(cast(per_table.rows_loaded as bigint), 0) as rows_loaded,
        coalesce(cast(per_table.rows_quarantined as bigint), 0) as rows_quarantined,
        coalesce(cast(per_table.rows_duplicate as bigint), 0) as rows_duplicate
    from schedules
    left join per_table using (source, table_name)
    left join last_files using (source, table_name)
),

timed as (
    select
        measured.*,
        {{ lm_datediff(
            'measured.last_loaded_file_landed_at', 'measured.checked_at', 'second'
        ) }} as seconds_since_last_loaded_file
    from measured
),

judged as (
    select
        timed.*,
        round({{ lm_ratio('timed.seconds_since_last_loaded_file', '3600') }}, 1)
            as hours_since_last_loaded_file,
        case
            when timed.max_hours_between_files is null then 'no_schedule'
            when timed.last_loaded_file_landed_at is null then 'never_loaded'
            when
                timed.seconds_since_last_loaded_file > timed.max_hours_between_files * 3600
                then 'stale'
            else 'on_time'
        end as freshness_status
    from timed
),

final as (
    select
        source,
        table_name,
        source_label,
        table_label,
        cast(max_hours_between_files as bigint) as max_hours_between_files,
        case
            when max_hours_between_files is null then '不设计划'
            else concat('每 ', cast(max_hours_between_files as {{ lm_type_string() }}), ' 小时内')
        end as schedule_label,
        file_count,
        loaded_file_count,
        rejected_file_count,
        skipped_file_count,
        warning_file_count,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicate,
        coalesce(last_file_path, '—') as last_file_path,
        last_landed_at,
        coalesce(left(cast(last_landed_at as {{ lm_type_string() }}), 16), '—')
            as last_landed_at_label,
        last_loaded_file_landed_at,
        last_loaded_at,
        coalesce(left(cast(last_loaded_at as {{ lm_type_string() }}), 16), '—')
            as last_loaded_at_label,
        hours_since_last_loaded_file,
        coalesce(
            concat(cast(hours_since_last_loaded_file as {{ lm_type_string() }}), ' 小时'), '—'
        ) as hours_since_label,
        checked_at,
        freshness_status,
        {{ ingest_label('freshness_status', 'freshness_status') }} as freshness_status_label,
        freshness_status in ('stale', 'never_loaded') as is_stale,
        coalesce(
            cast(last_loaded_file_landed_at as {{ lm_type_string() }}), 'never'
        ) as stale_since_key
    from judged
)

select * from final
