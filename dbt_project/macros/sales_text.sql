{#- Text helpers of the drill path (issue 5). Free text (sales-log notes, WeCom messages) may hold
    a mainland mobile number or a WeCom id: mask_identifiers_in_text keeps a mobile's first 3 and
    last 4 digits (as mask_phone does) and replaces WeCom user ids (wm…/wo…) by ***. -#}
{% macro mask_identifiers_in_text(column) -%}
    {{ return(adapter.dispatch('mask_identifiers_in_text', 'lastmile')(column)) }}
{%- endmacro %}

{% macro default__mask_identifiers_in_text(column) -%}
    {{ lm_regexp_replace_all(
        lm_regexp_replace_all(column, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\\1****\\2'),
        'w[mo][0-9A-Za-z_-]{14,}', '***'
    ) }}
{%- endmacro %}

{% macro duckdb__mask_identifiers_in_text(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\1****\2', 'g'),
        'w[mo][0-9A-Za-z_-]{14,}', '***', 'g'
    )
{%- endmacro %}

{#- What a sales log says, as one text: summary, notes and recording summary (what the drill path
    shows). -#}
{% macro sales_log_text() -%}
    concat(
        concat(coalesce(summary, ''), ' '),
        concat(concat(coalesce(notes, ''), ' '), coalesce(recording_summary, ''))
    )
{%- endmacro %}

{#- What a sales log records of the customer, as one text: customer needs, notes and recording
    summary (objection mining reads the customer's words only; the summary is the rep's account of
    the visit). -#}
{% macro sales_log_customer_text() -%}
    concat(
        concat(coalesce(customer_needs, ''), ' '),
        concat(concat(coalesce(notes, ''), ' '), coalesce(recording_summary, ''))
    )
{%- endmacro %}

{#- How many times `part` occurs in `text` (0 when either is null). -#}
{% macro occurrences(text, part) -%}
    coalesce(
        (length({{ text }}) - length(replace({{ text }}, {{ part }}, ''))) / length({{ part }}),
        0
    )
{%- endmacro %}
