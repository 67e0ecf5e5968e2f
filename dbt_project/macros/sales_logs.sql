{#- The sales logs as known on the evaluation day: the latest version of each log in
    `relation` (raw rows of crm.sales_logs: all of them in staging, or only the logs loaded since
    the last build in an incremental model), fields renamed, logs dated after the day left out.
    One definition for stg_crm__sales_logs and int_sales_logs_checked's increments. -#}
{% macro sales_logs_known(relation) -%}
    select
        log_id,
        customer_id,
        contact_id,
        rep_id,
        log_at,
        template as template_code,
        opportunity_id,
        summary,
        customer_needs,
        products_shown,
        attendees,
        recording_summary,
        notes,
        _source_file,
        _ingested_at
    from ({{ keep_latest(relation, 'log_id') }}) as latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('log_at') }}
{%- endmacro %}
