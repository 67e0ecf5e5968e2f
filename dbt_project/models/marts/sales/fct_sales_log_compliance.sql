with

log_fields as (
    select * from {{ ref('int_sales_log_fields_checked') }}
),

final as (
    select
        log_id,
        rep_id,
        customer_id,
        opportunity_id,
        template_code,
        log_at,
        count(*) as required_field_count,
        sum(case when is_filled then 1 else 0 end) as filled_field_count,
        sum(case when is_filled then 1 else 0 end) * 1.0 / count(*) as completeness_score,
        sum(case when is_filled then 0 else 1 end) as missing_field_count,
        {{ lm_listagg(
            "case when not is_filled then field_label end", "'、'", "order by field_label"
        ) }}
            as missing_fields,
        max(case when has_placeholder_competitor then 1 else 0 end) = 1
            as has_placeholder_competitor
    from log_fields
    group by log_id, rep_id, customer_id, opportunity_id, template_code, log_at
)

select * from final
