{#- Fails for every combination of the given columns that occurs more than once (the dbt package
    hub is unreachable here, so this stands in for dbt_utils' test of the same name). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') %}
select
    {{ columns }},
    count(*) as occurrences
from {{ model }}
group by {{ columns }}
having count(*) > 1
{% endtest %}
