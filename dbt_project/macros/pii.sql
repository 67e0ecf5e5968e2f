{#- Personal identifiers (phone numbers, WeChat / WeCom ids) never reach a mart in clear.
    pii_hash: a keyed hash (key from LASTMILE_PII_KEY) where a join key is needed;
    mask_phone: a display form that keeps the first 3 and last 4 digits. -#}

{% macro pii_key() -%}
    {%- set key = env_var('LASTMILE_PII_KEY', '') -%}
    {%- if execute and key == '' -%}
        {{ exceptions.raise_compiler_error(
            "LASTMILE_PII_KEY is not set: personal identifiers are hashed with a key from the "
            ~ "environment (make setup generates one into $LASTMILE_HOME/pii.key)") }}
    {%- endif -%}
    {{ return(key) }}
{%- endmacro %}

{% macro pii_hash(column) -%}
    {{ return(adapter.dispatch('pii_hash', 'lastmile')(column)) }}
{%- endmacro %}

{% macro default__pii_hash(column) -%}
    case when {{ column }} is not null
        then sha2(concat('{{ pii_key() }}', '|', {{ column }}), 256)
    end
{%- endmacro %}

{% macro duckdb__pii_hash(column) -%}
    case when {{ column }} is not null
        then sha256(concat('{{ pii_key() }}', '|', {{ column }}))
    end
{%- endmacro %}

{% macro mask_phone(column) -%}
    case
        when length({{ column }}) >= 7
            then concat(left({{ column }}, 3), '****', right({{ column }}, 4))
        when {{ column }} is not null then '****'
    end
{%- endmacro %}
