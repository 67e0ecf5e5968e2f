{#- Date and text helpers that must differ between engines: dbt's own cross-database macros, or
    adapter.dispatch to a duckdb__ / spark__ version. Every model uses these, never an engine's
    own function. SQLFluff lints what dbt compiles (its dbt templater), so nothing here has a
    linter-only branch. -#}

{% macro lm_datediff(first, second, part) -%}
    {{ dbt.datediff(first, second, part) }}
{%- endmacro %}

{% macro lm_dateadd(part, amount, column) -%}
    {{ dbt.dateadd(part, amount, column) }}
{%- endmacro %}

{% macro lm_date_trunc(part, column) -%}
    {{ dbt.date_trunc(part, column) }}
{%- endmacro %}

{% macro lm_listagg(measure, delimiter, order_by) -%}
    {{ return(adapter.dispatch('lm_listagg', 'lastmile')(measure, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__lm_listagg(measure, delimiter, order_by) -%}
    {{ return(dbt.listagg(measure, delimiter, order_by)) }}
{%- endmacro %}

{#- A date moved by a number of days (a column or an expression), as a date. -#}
{% macro add_days(date_expression, days_expression) -%}
    cast({{ lm_dateadd('day', days_expression, date_expression) }} as date)
{%- endmacro %}

{#- Minutes from one timestamp to another, to the second. -#}
{% macro minutes_between(start_expression, end_expression) -%}
    {{ return(adapter.dispatch('minutes_between', 'lastmile')(start_expression, end_expression)) }}
{%- endmacro %}

{% macro default__minutes_between(start_expression, end_expression) -%}
    {{ lm_datediff(start_expression, end_expression, 'second') }} / 60.0
{%- endmacro %}

{#- Spark divides by 60.0 as a decimal capped at scale 6: as double, as DuckDB does. -#}
{% macro spark__minutes_between(start_expression, end_expression) -%}
    cast({{ lm_datediff(start_expression, end_expression, 'second') }} as double) / 60
{%- endmacro %}

{#- First day of the month of a date. -#}
{% macro month_start(date_expression) -%}
    cast({{ lm_date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{#- A date's month as text, 'YYYY-MM': a filter value that reads the same in every engine and in
    Superset (whose select filter on a DATE column fails on DuckDB). -#}
{% macro year_month(date_expression) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
        "'-'",
        "lpad(cast(extract(month from " ~ date_expression ~ ") as "
            ~ dbt.type_string() ~ "), 2, '0')"
    ]) }}
{%- endmacro %}

{#- Engine-specific SQL behind adapter.dispatch (LASTMILE_ENGINE: duckdb or spark). Each macro has
    a duckdb__ and a spark__ version. -#}

{#- The text type in casts: DuckDB's varchar; Spark rejects varchar without a length. -#}
{% macro lm_type_string() -%}
    {{ return(adapter.dispatch('lm_type_string', 'lastmile')()) }}
{%- endmacro %}

{% macro default__lm_type_string() -%}{{ return(dbt.type_string()) }}{%- endmacro %}

{% macro duckdb__lm_type_string() -%}{{ return('varchar') }}{%- endmacro %}

{% macro spark__lm_type_string() -%}{{ return('string') }}{%- endmacro %}

{#- A ratio computed exactly as DuckDB does it, in double precision: `numerator * 1.0 /
    denominator` is a double on DuckDB, but a decimal capped at scale 6 on Spark (then rounded
    again by a later cast), so Spark divides as double. -#}
{% macro lm_ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('lm_ratio', 'lastmile')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__lm_ratio(numerator, denominator) -%}
    {{ return('cast(' ~ numerator ~ ' as double precision) / ' ~ denominator) }}
{%- endmacro %}

{% macro duckdb__lm_ratio(numerator, denominator) -%}
    {{ return(numerator ~ ' * 1.0 / ' ~ denominator) }}
{%- endmacro %}

{% macro spark__lm_ratio(numerator, denominator) -%}
    {{ return('cast(' ~ numerator ~ ' as double) / ' ~ denominator) }}
{%- endmacro %}

{#- Every match of a regular expression replaced; `replacement` refers to groups as \1, \2. Spark
    takes Java regex, back-references as $1, backslashes escaped in literals, and no 'g' flag (its
    third argument is a position). -#}
{% macro lm_regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('lm_regexp_replace_all', 'lastmile')(
        expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__lm_regexp_replace_all(expression, pattern, replacement) -%}
    {{ return("regexp_replace(" ~ expression ~ ", '" ~ pattern ~ "', '" ~ replacement ~ "', 'g')") }}
{%- endmacro %}

{% macro duckdb__lm_regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(default__lm_regexp_replace_all(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro spark__lm_regexp_replace_all(expression, pattern, replacement) -%}
    {%- set java_replacement = modules.re.sub('\\\\([0-9])', '$\\1', replacement) -%}
    {{ return("regexp_replace(" ~ expression ~ ", '" ~ pattern | replace('\\', '\\\\') ~ "', '"
        ~ java_replacement ~ "')") }}
{%- endmacro %}

{#- The first element of a JSON array held as text. -#}
{% macro spark__json_array_first(column) -%}
    get_json_object({{ column }}, '$[0]')
{%- endmacro %}

{#- A JSON array of strings as text joined by `、`; null when empty or null. -#}
{% macro spark__json_string_list(column) -%}
    nullif(array_join(from_json({{ column }}, 'array<string>'), '、'), '')
{%- endmacro %}

{#- Ordered list aggregation: dbt-spark's listagg ignores ORDER BY and gives '' for no values;
    this sorts (order key, value) pairs and gives null for no values, as DuckDB's string_agg. -#}
{% macro spark__lm_listagg(measure, delimiter, order_by) -%}
    {%- set order_key = (order_by or '') | replace('order by', '') | trim or measure -%}
    case when count({{ measure }}) > 0 then array_join(
        transform(
            array_sort(collect_list(struct({{ order_key }} as k, {{ measure }} as v))),
            pair -> pair.v
        ),
        {{ delimiter }}
    ) end
{%- endmacro %}

{#- The strategy of the incremental large facts: delete+insert on DuckDB; on Spark (plain Parquet
    tables, no DELETE) insert_overwrite of whole partitions (lm_incremental_partition_by). -#}
{% macro lm_incremental_strategy() -%}
    {{ return(adapter.dispatch('lm_incremental_strategy', 'lastmile')()) }}
{%- endmacro %}

{% macro default__lm_incremental_strategy() -%}{{ return('delete+insert') }}{%- endmacro %}

{% macro spark__lm_incremental_strategy() -%}{{ return('insert_overwrite') }}{%- endmacro %}

{#- The partition column of an incremental fact on engines that overwrite partitions (Spark):
    none on DuckDB. -#}
{% macro lm_incremental_partition_by(column) -%}
    {{ return(adapter.dispatch('lm_incremental_partition_by', 'lastmile')(column)) }}
{%- endmacro %}

{% macro default__lm_incremental_partition_by(column) -%}{{ return(none) }}{%- endmacro %}

{% macro spark__lm_incremental_partition_by(column) -%}{{ return([column]) }}{%- endmacro %}
