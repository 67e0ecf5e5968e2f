with

log_fields as (
    select * from {{ ref('int_sales_log_fields_checked') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

final as (
    select
        log_fields.rep_id,
        reps.rep_name,
        reps.squad_id,
        log_fields.template_code,
        log_fields.template_name,
        log_fields.field_name,
        log_fields.field_label,
        count(*) as log_count,
        cast(sum(case when log_fields.is_filled then 0 else 1 end) as bigint) as missing_count,
        {{ lm_ratio('sum(case when log_fields.is_filled then 0 else 1 end)', 'count(*)') }}
            as missing_share
    from log_fields
    left join reps
        on log_fields.rep_id = reps.rep_id
    group by
        log_fields.rep_id,
        reps.rep_name,
        reps.squad_id,
        log_fields.template_code,
        log_fields.template_name,
        log_fields.field_name,
        log_fields.field_label
)

select * from final
