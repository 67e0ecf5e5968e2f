{#- Business rules are configuration (the rule_parameters seed, validated by pipelines/rules.py),
    never literals in SQL. Two ways to read them. -#}

{#- The value of a business rule from the rule_parameters seed, as a scalar subquery: rules live
    in configuration, never as literals in SQL. -#}
{% macro rule_parameter(name) -%}
    (select max(rule_parameters.value) from {{ ref('rule_parameters') }} as rule_parameters
        where rule_parameters.parameter = '{{ name }}')
{%- endmacro %}

{#- One column per named business rule, pivoted from the rule_parameters seed (the columns of
    rule_parameter_row). -#}
{% macro rule_parameter_columns(names) -%}
    {%- for name in names %}
    max(case when parameter = '{{ name }}' then value end) as {{ name }}
    {%- if not loop.last %},{% endif -%}
    {%- endfor %}
{%- endmacro %}

{#- The named business rules as one row, one column each, pivoted from the rule_parameters seed:
    the body of a model's `rules` CTE (`rules as ({{ rule_parameter_row(['h2_window_days']) }})`),
    cross joined where a rule applies. -#}
{% macro rule_parameter_row(names) -%}
    select
        {{ rule_parameter_columns(names) }}
    from {{ ref('rule_parameters') }}
{%- endmacro %}
