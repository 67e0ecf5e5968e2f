with

sales_logs as (
    select * from {{ ref('stg_crm__sales_logs') }}
),

competitor_quotes as (
    select * from {{ ref('stg_crm__competitor_quotes') }}
),

placeholders as (
    select * from {{ ref('placeholder_values') }}
),

required_fields as (
    select * from {{ ref('sales_log_required_fields') }}
),

valid_quote_tables as (
    select
        log_id,
        count(*) as valid_quote_rows
    from competitor_quotes
    where
        {{ is_filled_text('competitor_brand', 'placeholders') }}
        and competitor_price_cny is not null
        and competitor_price_cny > 0
    group by log_id
),

placeholder_quote_tables as (
    select
        log_id,
        count(*) as placeholder_quote_rows
    from competitor_quotes
    where not {{ is_filled_text('competitor_brand', 'placeholders') }}
    group by log_id
),

log_checks as (
    select
        sales_logs.log_id,
        sales_logs.rep_id,
        sales_logs.customer_id,
        sales_logs.opportunity_id,
        sales_logs.template_code,
        sales_logs.log_at,
        sales_logs.customer_id is not null as has_customer_id,
        {{ is_filled_text('sales_logs.contact_id', 'placeholders') }} as has_contact_id,
        sales_logs.rep_id is not null as has_rep_id,
        sales_logs.log_at is not null as has_log_at,
        sales_logs.template_code is not null as has_template_code,
        {{ is_filled_text('sales_logs.summary', 'placeholders') }} as has_summary,
        {{ is_filled_text('sales_logs.customer_needs', 'placeholders') }} as has_customer_needs,
        {{ is_filled_text('sales_logs.products_shown', 'placeholders') }} as has_products_shown,
        {{ is_filled_text('sales_logs.attendees', 'placeholders') }} as has_attendees,
        {{ is_filled_text('sales_logs.recording_summary', 'placeholders') }}
            as has_recording_summary,
        coalesce(valid_quote_tables.valid_quote_rows, 0) > 0 as has_competitor_quotes,
        coalesce(placeholder_quote_tables.placeholder_quote_rows, 0) > 0
            as has_placeholder_competitor
    from sales_logs
    left join valid_quote_tables
        on sales_logs.log_id = valid_quote_tables.log_id
    left join placeholder_quote_tables
        on sales_logs.log_id = placeholder_quote_tables.log_id
),

final as (
    select
        log_checks.log_id,
        log_checks.rep_id,
        log_checks.customer_id,
        log_checks.opportunity_id,
        log_checks.template_code,
        log_checks.log_at,
        required_fields.field_name,
        required_fields.field_label,
        log_checks.has_placeholder_competitor,
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
)

select * from final
