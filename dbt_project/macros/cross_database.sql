{#- Date and text helpers that must differ between engines: dbt's own cross-database macros
    when dbt renders; a DuckDB stand-in when SQLFluff's plain jinja templater (which has no `dbt`
    namespace) lints. Every model uses these, never an engine's own function. -#}

{% macro lm_datediff(first, second, part) -%}
    {%- if dbt is defined -%}{{ dbt.datediff(first, second, part) }}
    {%- else -%}date_diff('{{ part }}', {{ first }}, {{ second }}){%- endif -%}
{%- endmacro %}

{% macro lm_dateadd(part, amount, column) -%}
    {%- if dbt is defined -%}{{ dbt.dateadd(part, amount, column) }}
    {%- else -%}date_add({{ column }}, to_days(cast({{ amount }} as integer))){%- endif -%}
{%- endmacro %}

{% macro lm_date_trunc(part, column) -%}
    {%- if dbt is defined -%}{{ dbt.date_trunc(part, column) }}
    {%- else -%}date_trunc('{{ part }}', {{ column }}){%- endif -%}
{%- endmacro %}

{% macro lm_listagg(measure, delimiter, order_by) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lm_listagg', 'lastmile')(measure, delimiter, order_by)) }}
    {%- else -%}string_agg({{ measure }}, {{ delimiter }} {{ order_by }}){%- endif -%}
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
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('minutes_between', 'lastmile')(start_expression, end_expression)) }}
    {%- else -%}{{ return(default__minutes_between(start_expression, end_expression)) }}{%- endif -%}
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
    {%- if dbt is defined -%}
        {{ dbt.concat([
            "cast(extract(year from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
            "'-'",
            "lpad(cast(extract(month from " ~ date_expression ~ ") as "
                ~ dbt.type_string() ~ "), 2, '0')"
        ]) }}
    {%- else -%}strftime({{ date_expression }}, '%Y-%m'){%- endif -%}
{%- endmacro %}

{#- Engine-specific SQL behind adapter.dispatch (LASTMILE_ENGINE: duckdb or spark). Each macro has
    a duckdb__ and a spark__ version; SQLFluff's plain jinja templater (no `adapter`) lints the
    DuckDB one. -#}

{#- The text type in casts: DuckDB's varchar; Spark rejects varchar without a length. -#}
{% macro lm_type_string() -%}
    {%- if adapter is defined -%}{{ return(adapter.dispatch('lm_type_string', 'lastmile')()) }}
    {%- else -%}{{ return('varchar') }}{%- endif -%}
{%- endmacro %}

{% macro default__lm_type_string() -%}{{ return(dbt.type_string()) }}{%- endmacro %}

{% macro duckdb__lm_type_string() -%}{{ return('varchar') }}{%- endmacro %}

{% macro spark__lm_type_string() -%}{{ return('string') }}{%- endmacro %}

{#- A ratio computed exactly as DuckDB does it, in double precision: `numerator * 1.0 /
    denominator` is a double on DuckDB, but a decimal capped at scale 6 on Spark (then rounded
    again by a later cast), so Spark divides as double. -#}
{% macro lm_ratio(numerator, denominator) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lm_ratio', 'lastmile')(numerator, denominator)) }}
    {%- else -%}{{ return(duckdb__lm_ratio(numerator, denominator)) }}{%- endif -%}
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
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lm_regexp_replace_all', 'lastmile')(
            expression, pattern, replacement)) }}
    {%- else -%}
        {{ return(duckdb__lm_regexp_replace_all(expression, pattern, replacement)) }}
    {%- endif -%}
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
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lm_incremental_strategy', 'lastmile')()) }}
    {%- else -%}{{ return('delete+insert') }}{%- endif -%}
{%- endmacro %}

{% macro default__lm_incremental_strategy() -%}{{ return('delete+insert') }}{%- endmacro %}

{% macro spark__lm_incremental_strategy() -%}{{ return('insert_overwrite') }}{%- endmacro %}

{#- The partition column of an incremental fact on engines that overwrite partitions (Spark):
    none on DuckDB. -#}
{% macro lm_incremental_partition_by(column) -%}
    {%- if adapter is defined -%}
        {{ return(adapter.dispatch('lm_incremental_partition_by', 'lastmile')(column)) }}
    {%- else -%}{{ return(none) }}{%- endif -%}
{%- endmacro %}

{% macro default__lm_incremental_partition_by(column) -%}{{ return(none) }}{%- endmacro %}

{% macro spark__lm_incremental_partition_by(column) -%}{{ return([column]) }}{%- endmacro %}
