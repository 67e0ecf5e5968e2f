{#- Fails for every value of the column that is not a code of its vocabulary, read from the seed
    that is the vocabulary's one home (the ingestion contract reads the same seed through
    `values_from`): `seed` and its `code_column`, or code_labels rows of one `code_set`. Nulls
    pass (not_null says whether a value is required). -#}
{% test in_vocabulary(model, column_name, seed, code_column='code', code_set=none) %}
select {{ column_name }} as unknown_code
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select vocabulary.{{ code_column }} from {{ ref(seed) }} as vocabulary
        {%- if code_set is not none %}
        where vocabulary.code_set = '{{ code_set }}'
        {%- endif %}
    )
{% endtest %}
