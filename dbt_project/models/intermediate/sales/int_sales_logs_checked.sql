{#- Per sales log, which template fields hold a valid value (a large fact, built incrementally):
    the logs loaded since the last build, and the logs whose competitor-quote rows were, are
    (re)checked; a log loaded again replaces its row, a log no longer in any landing file is
    deleted. The watermark is applied to the raw rows before the latest-version dedup, so an
    increment deduplicates only the logs it touches. A full rebuild gives the same rows. -#}
{{ config(
    materialized='incremental',
    unique_key='log_id',
    incremental_strategy=lm_incremental_strategy(),
    on_schema_change='fail',
    post_hook="{{ delete_stale_versions(
        'log_id', source('crm', 'sales_logs'),
        ingested_at_column='log_ingested_at', dated_column='log_at'
    ) }}"
) }}

with

-- the watermark first, on raw rows (an increment): the logs with a row loaded, or dated, since
-- the last build, or with a competitor-quote row loaded since; only these are deduplicated to
-- their latest version (a superset of the logs `new_loads` keeps)
raw_sales_logs as (
    select * from {{ source('crm', 'sales_logs') }}
),

raw_competitor_quotes as (
    select * from {{ source('crm', 'competitor_quotes') }}
),

changed_logs as (
    select raw_sales_logs.log_id
    from raw_sales_logs
    where {{ loaded_since_last_build('_ingested_at', dated_column='log_at') }}
    union
    select raw_competitor_quotes.log_id
    from raw_competitor_quotes
    where {{ loaded_since_last_build('_ingested_at') }}
),

-- (the next two are read by an increment only)
changed_raw_sales_logs as (  -- noqa: ST03
    select raw_sales_logs.*
    from raw_sales_logs
    inner join changed_logs
        on raw_sales_logs.log_id = changed_logs.log_id
),

changed_raw_quotes as (  -- noqa: ST03
    select raw_competitor_quotes.*
    from raw_competitor_quotes
    inner join changed_logs
        on raw_competitor_quotes.log_id = changed_logs.log_id
),

all_sales_logs as (
    {% if is_incremental() -%}
        {{ sales_logs_known('changed_raw_sales_logs') }}
    {%- else -%}
        select * from {{ ref('stg_crm__sales_logs') }}
    {%- endif %}
),

-- as stg_crm__competitor_quotes: the latest version of each line, of a log known on the day
competitor_quotes as (
    {% if is_incremental() -%}
        select
            latest_quotes.log_id,
            latest_quotes.competitor_brand,
            latest_quotes.competitor_price_cny,
            latest_quotes._ingested_at
        from ({{ keep_latest('changed_raw_quotes', 'log_id, line_no') }}) as latest_quotes
        where latest_quotes.log_id in (select known_logs.log_id from all_sales_logs as known_logs)
    {%- else -%}
        select * from {{ ref('stg_crm__competitor_quotes') }}
    {%- endif %}
),

placeholders as (
    select * from {{ ref('placeholder_values') }}
),

-- when a log's quote table was last loaded: a late quote row changes the log's compliance
quote_loads as (
    select
        log_id,
        max(_ingested_at) as quotes_ingested_at
    from competitor_quotes
    group by log_id
),

loads as (
    select
        all_sales_logs.log_id,
        all_sales_logs.log_at,
        all_sales_logs._ingested_at as log_ingested_at,
        case
            when quote_loads.quotes_ingested_at > all_sales_logs._ingested_at
                then quote_loads.quotes_ingested_at
            else all_sales_logs._ingested_at
        end as ingested_at
    from all_sales_logs
    left join quote_loads
        on all_sales_logs.log_id = quote_loads.log_id
),

new_loads as (
    select * from loads
    where {{ loaded_since_last_build('ingested_at', dated_column='log_at') }}
),

sales_logs as (
    select
        all_sales_logs.*,
        new_loads.log_ingested_at,
        new_loads.ingested_at
    from all_sales_logs
    inner join new_loads
        on all_sales_logs.log_id = new_loads.log_id
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

final as (
    select
        sales_logs.log_id,
        sales_logs.rep_id,
        sales_logs.customer_id,
        sales_logs.opportunity_id,
        sales_logs.template_code,
        sales_logs.log_at,
        sales_logs.log_ingested_at,
        sales_logs.ingested_at,
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
)

select * from final
