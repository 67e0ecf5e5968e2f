{#- Helpers of the data-quality view (数据质量): the ingestion's audit as a board reads it. -#}

{#- The moment freshness is measured at: the run's clock, in the same local time as the audit's
    `landed_at` and `ingested_at` (the machine's). Unit tests override this macro. -#}
{% macro freshness_checked_at() -%}
    cast(current_timestamp as timestamp)
{%- endmacro %}

{#- A JSON array of strings (the audit's unknown_columns, warnings) as text joined by `、`;
    null when the array is empty or null. -#}
{% macro json_string_list(column) -%}
    {{ return(adapter.dispatch('json_string_list', 'lastmile')(column)) }}
{%- endmacro %}

{% macro default__json_string_list(column) -%}
    nullif(
        array_to_string(array(select json_array_elements_text(cast({{ column }} as json))), '、'),
        ''
    )
{%- endmacro %}

{% macro duckdb__json_string_list(column) -%}
    nullif(array_to_string(from_json({{ column }}, '["VARCHAR"]'), '、'), '')
{%- endmacro %}

{#- How many strings a JSON array holds (0 for null). -#}
{% macro json_list_length(column) -%}
    cast(coalesce(json_array_length({{ column }}), 0) as bigint)
{%- endmacro %}

{#- A raw cell as analysts may read it: personal identifiers never in clear. A cell of a column
    listed in the var `personal_columns` is hidden whole; anywhere else, a phone-shaped number
    (a mainland mobile, maybe +86, spaces or dashes: the landing contract's pattern) keeps only
    its first 3 and last 4 digits, as mask_phone does. -#}
{% macro mask_personal_text(column_name, raw_value) -%}
    case
        when {{ raw_value }} is null then null
        when {{ column_name }} in (
            {%- for name in var('personal_columns') %}'{{ name }}'{{ ',' if not loop.last }}{% endfor -%}
        ) then '（已脱敏）'
        else {{ lm_regexp_replace_all(
            raw_value,
            '(\\+?(86)?[ -]*)(1[3-9][0-9])(([ -]*[0-9]){4})(([ -]*[0-9]){4})',
            '\\3****\\6'
        ) }}
    end
{%- endmacro %}

{#- The board's name of an ingestion code (ingest_labels seed), else the code itself. -#}
{% macro ingest_label(code_set, column) -%}
    coalesce(
        (
            select max(ingest_labels.label) from {{ ref('ingest_labels') }} as ingest_labels
            where ingest_labels.code_set = '{{ code_set }}' and ingest_labels.code = {{ column }}
        ),
        {{ column }}
    )
{%- endmacro %}
