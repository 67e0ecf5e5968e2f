{#- Every sales log × every required field of its template (sales_log_required_fields seed),
    filled or not. The checks themselves are per log, in int_sales_logs_checked. -#}
with

log_checks as (
    select * from {{ ref('int_sales_logs_checked') }}
),

required_fields as (
    select * from {{ ref('sales_log_required_fields') }}
),

templates as (
    select * from {{ ref('sales_log_templates') }}
),

final as (
    select
        log_checks.log_id,
        log_checks.rep_id,
        log_checks.customer_id,
        log_checks.opportunity_id,
        log_checks.template_code,
        log_checks.log_at,
        log_checks.ingested_at,
        required_fields.field_name,
        required_fields.field_label,
        log_checks.has_placeholder_competitor,
        coalesce(templates.template_name, log_checks.template_code) as template_name,
        case required_fields.field_name
            when 'customer_id' then log_checks.has_customer_id
            when 'contact_id' then log_checks.has_contact_id
            when 'rep_id' then log_checks.has_rep_id
            when 'log_at' then log_checks.has_log_at
            when 'template_code' then log_checks.has_template_code
            when 'summary' then log_checks.has_summary
            when 'customer_needs' then log_checks.has_customer_needs
            when 'products_shown' then log_checks.has_products_shown
            when 'attendees' then log_checks.has_attendees
            when 'recording_summary' then log_checks.has_recording_summary
            when 'competitor_quotes' then log_checks.has_competitor_quotes
            else false
        end as is_filled
    from log_checks
    inner join required_fields
        on log_checks.template_code = required_fields.template_code
    left join templates
        on log_checks.template_code = templates.template_code
)

select * from final
