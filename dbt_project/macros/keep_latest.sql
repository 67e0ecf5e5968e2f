{#- One row per key: the version from the most recently ingested file (a corrected re-export of
    a landing file supersedes what an earlier file said about the same key). -#}
{% macro keep_latest(relation, key_columns) -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns }}
                order by _ingested_at desc, _source_file desc, _source_row desc
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where version_rank = 1
{%- endmacro %}
