{#- Helpers of the sales-process models (issue 5). -#}

{#- First element of a JSON array held as text (WeCom's tolist). -#}
{% macro json_array_first(column) -%}
    {{ return(adapter.dispatch('json_array_first', 'lastmile')(column)) }}
{%- endmacro %}

{% macro default__json_array_first(column) -%}
    json_extract_path_text({{ column }}, '0')
{%- endmacro %}

{% macro duckdb__json_array_first(column) -%}
    json_extract_string({{ column }}, '$[0]')
{%- endmacro %}

{#- True when a text value holds something: not null, not blank, not a configured placeholder
    (compared trimmed and lower-cased). `placeholders` is the relation of placeholder_values. -#}
{% macro is_filled_text(column, placeholders) -%}
    (
        {{ column }} is not null
        and trim({{ column }}) <> ''
        and lower(trim({{ column }})) not in (
            select lower(trim(placeholder_value)) from {{ placeholders }}
        )
    )
{%- endmacro %}

{% macro sales_seeded_hash(seed, column) -%}
    {{ dbt.hash(dbt.concat([seed, "'|'", column])) }}
{%- endmacro %}


{#- A rate of counts: the numerator over the denominator, none (null) while the denominator has
    counted nothing (a rate without a base has no value, never a division by zero). -#}
{% macro ratio_of_counts(numerator, denominator) -%}
    case when {{ denominator }} > 0 then {{ lm_ratio(numerator, denominator) }} end
{%- endmacro %}
