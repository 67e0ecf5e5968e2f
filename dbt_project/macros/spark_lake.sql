{#- LASTMILE_ENGINE=spark (docs/scale-out.md, pipelines/resources.py SparkWarehouse). Both hooks do
    nothing on DuckDB, nor on Spark when their variable is unset (a Spark cluster whose catalog
    already holds the sources and is read there).

    on-run-start: every dbt source becomes the external Parquet table <schema>.<table> over
    $LASTMILE_SPARK_LAKE/<schema>/<table>.parquet (written from the build DuckDB file before dbt
    runs). Dropped and created again, so a table whose columns changed is read with its new ones;
    dropping an external table leaves its file alone. -#}
{% macro lastmile_spark_register_lake() %}
    {% set lake = env_var('LASTMILE_SPARK_LAKE', '') %}
    {% if execute and target.type == 'spark' and lake %}
        {% set registered = [] %}
        {% for source in graph.sources.values() | sort(attribute='unique_id') %}
            {% set relation = source.schema ~ '.' ~ source.identifier %}
            {% if relation not in registered %}
                {% do registered.append(relation) %}
                {% do run_query('create database if not exists `' ~ source.schema ~ '`') %}
                {% do run_query('drop table if exists `' ~ source.schema ~ '`.`' ~ source.identifier ~ '`') %}
                {% do run_query(
                    'create table `' ~ source.schema ~ '`.`' ~ source.identifier ~ '` using parquet '
                    ~ "location '" ~ lake ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ ".parquet'"
                ) %}
            {% endif %}
        {% endfor %}
        {% do log('registered ' ~ registered | length ~ ' sources from the lake ' ~ lake, info=true) %}
    {% endif %}
{% endmacro %}

{#- on-run-end: every relation of $LASTMILE_SPARK_EXPORT (schema.model, comma-separated: the marts
    and what the steps after dbt read) written as the Parquet folder
    $LASTMILE_SPARK_EXPORT_DIR/<schema>/<model>/, which the build DuckDB file then loads. A
    relation this run could not build is left out (the Python side then names it). -#}
{% macro lastmile_spark_export() %}
    {% set out = env_var('LASTMILE_SPARK_EXPORT_DIR', '') %}
    {% set wanted = env_var('LASTMILE_SPARK_EXPORT', '') %}
    {% if execute and target.type == 'spark' and out and wanted %}
        {% set written = [] %}
        {% for relation in wanted.split(',') if relation %}
            {% set schema, name = relation.split('.', 1) %}
            {% if adapter.get_relation(database=none, schema=schema, identifier=name) is not none %}
                {% do run_query(
                    "insert overwrite directory '" ~ out ~ '/' ~ schema ~ '/' ~ name ~ "' using parquet "
                    ~ 'select * from `' ~ schema ~ '`.`' ~ name ~ '`'
                ) %}
                {% do written.append(relation) %}
            {% endif %}
        {% endfor %}
        {% do log('exported ' ~ written | length ~ ' models to ' ~ out, info=true) %}
    {% endif %}
{% endmacro %}
