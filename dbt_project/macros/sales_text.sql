{#- Text helpers of the drill path (issue 5). Free text (sales-log notes, WeCom messages) may hold
    a mainland mobile number or a WeCom id: mask_identifiers_in_text keeps a mobile's first 3 and
    last 4 digits (as mask_phone does) and replaces WeCom user ids (wm…/wo…) by ***. -#}
{% macro mask_identifiers_in_text(column) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('mask_identifiers_in_text', 'lastmile')(column)) }}
    {%- else -%}
        {{ return(duckdb__mask_identifiers_in_text(column)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__mask_identifiers_in_text(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\1****\2', 'g'),
        'w[mo][0-9A-Za-z_-]{14,}', '***', 'g'
    )
{%- endmacro %}

{% macro duckdb__mask_identifiers_in_text(column) -%}
    regexp_replace(
        regexp_replace({{ column }}, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\1****\2', 'g'),
        'w[mo][0-9A-Za-z_-]{14,}', '***', 'g'
    )
{%- endmacro %}

{#- What a sales log says, as one text: summary, notes and recording summary (objection mining and
    the drill path read the same text). -#}
{% macro sales_log_text() -%}
    concat(
        concat(coalesce(summary, ''), ' '),
        concat(concat(coalesce(notes, ''), ' '), coalesce(recording_summary, ''))
    )
{%- endmacro %}
